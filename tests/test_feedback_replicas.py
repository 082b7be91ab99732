"""The feedback flood limit holds across replicas: two bot processes on one PostgreSQL receive a
flood from one address at the same moment, and together they accept the burst, not a burst each;
another address still gets through, and a restarted bot remembers the spent bucket."""

from __future__ import annotations

from bot.store import Store

from .test_bot_requests_replicas import finish, pg, replica, stack  # noqa: F401  (fixtures)

BURST = 5
PER_MINUTE = "0.6"  # one send per 100 s refilled: none comes back while the test runs


def flood(tmp_path, pg, slack, github, sends: list[tuple[str, int]], name: str) -> list[dict]:  # noqa: F811
    """Each replica (one per item of sends) sends from its address its number of times, all at once."""
    go = tmp_path / f"go-{name}"
    procs = [replica(tmp_path, pg, slack, github, go, "feedback", address, str(times), PER_MINUTE, name=f"{name}{i}")
             for i, (address, times) in enumerate(sends)]
    go.touch()
    return [finish(p) for p in procs]


def test_a_flood_split_over_two_replicas_gets_one_burst_in_all(tmp_path, pg, stack):  # noqa: F811
    slack, github = stack
    results = flood(tmp_path, pg, slack, github, [("10.9.9.9", 6), ("10.9.9.9", 6)], "a")
    codes = [c for r in results for c in r["codes"]]
    print(f"\n12 sends from one address over two replicas: {codes.count(201)} accepted, {codes.count(429)} refused")
    assert sorted(set(codes)) == [201, 429]
    assert codes.count(201) == BURST and codes.count(429) == 12 - BURST
    waits = [int(w) for r in results for c, w in zip(r["codes"], r["waits"], strict=True) if c == 429]
    assert all(0 < w <= 100 for w in waits), waits  # told when to try again
    posted = [m for m in slack.delivered("chat.postMessage") if "Reader feedback" in m.get("text", "")]
    assert len(posted) == BURST  # each accepted answer posted once, refused ones never
    # new processes (a restart): the spent bucket is in the store; another address has its own
    again = flood(tmp_path, pg, slack, github, [("10.9.9.9", 1), ("10.8.8.8", 1)], "b")
    assert [r["codes"] for r in again] == [[429], [201]]
    store = Store(pg, migrate=False)
    try:
        assert len(store.feedback_since(store.clock().replace(year=2000))) == BURST + 1
    finally:
        store.engine.dispose()
