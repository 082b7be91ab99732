"""An Events API event is recorded as handled only once its handling succeeded: a redelivery of a
handled event (X-Slack-Retry-Num, the same event_id, to any replica) does nothing, and Slack's retry
of an event whose handler raised, or whose process was killed mid-way, handles it once."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request

from slack_bolt import BoltRequest

from .bot_fixtures import SECRET, doubles, wait_until
from .bot_server import ServerProcess
from .fakes import slack_requests as rq
from .test_bot_store import drop_everything

AMELIE = "U04AMDURAND"


def retried(delivery: rq.Delivery, num: int) -> tuple[str, dict]:
    """The body and headers of Slack's retry number `num` of a delivery (same body, same event_id)."""
    body, ctype = delivery.http_body()
    headers = rq.signed_headers(SECRET, body, ctype)
    if num:
        headers |= {"X-Slack-Retry-Num": str(num), "X-Slack-Retry-Reason": "http_error"}
    return body, headers


def dispatch(bot, delivery: rq.Delivery, num: int) -> int:
    body, headers = retried(delivery, num)
    return bot.app.dispatch(BoltRequest(body=body, headers={k.lower(): [v] for k, v in headers.items()})).status


def publishes(slack) -> tuple[int, int]:
    """views.publish calls Slack answered ok, and all of them."""
    return len(slack.delivered("views.publish")), len(slack.sent("views.publish"))


def test_a_handled_event_redelivered_has_no_second_effect(bot):
    event = rq.home_opened(bot.slack, AMELIE, event_id="Ev-handled")
    assert dispatch(bot, event, 0) == 200
    assert publishes(bot.slack) == (1, 1)  # published before Slack got its answer
    assert [dispatch(bot, event, n) for n in (1, 2, 3)] == [200, 200, 200]
    bot.slack.quiet(0.3)
    assert publishes(bot.slack) == (1, 1)
    assert bot.deps.store.event_handled("Ev-handled")


def test_an_event_whose_handler_raised_is_handled_by_slacks_retry_once(bot):
    bot.slack.fail("views.publish", "500", times=3)  # the first try and the client's two retries
    event = rq.home_opened(bot.slack, AMELIE, event_id="Ev-failed")
    assert dispatch(bot, event, 0) == 500  # Slack will retry it
    assert not bot.deps.store.event_handled("Ev-failed")
    assert dispatch(bot, event, 1) == 200
    assert dispatch(bot, event, 2) == 200
    bot.slack.quiet(0.3)
    answers = [(c.status, c.ok, c.injected) for c in bot.slack.calls if c.method == "views.publish"]
    print(f"\nviews.publish answers: {answers}")
    assert answers == [(500, False, True)] * 3 + [(200, True, False)]
    assert bot.deps.store.event_handled("Ev-failed")


def _post(url: str, body: str, headers: dict, timeout: float = 30.0) -> int | str:
    req = urllib.request.Request(url + "/slack/events", data=body.encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        return type(exc).__name__


def test_an_event_whose_process_was_killed_mid_handler_is_handled_once_by_the_retry(tmp_path, postgres_url):
    slack, github = doubles()
    a = b = None
    try:
        a = ServerProcess(slack, github, tmp_path / "a", "--workers", "1", "--db", postgres_url).wait()
        b = ServerProcess(slack, github, tmp_path / "b", "--workers", "1", "--db", postgres_url).wait()
        event = rq.home_opened(slack, AMELIE, event_id="Ev-killed")
        slack.holds["users.info"] = threading.Event()  # the handler's first call to Slack waits there
        first: list = []
        body, headers = retried(event, 0)
        sender = threading.Thread(target=lambda: first.append(_post(a.url, body, headers)), daemon=True)
        sender.start()
        wait_until(lambda: slack.held == ["users.info"])
        a.kill()  # kill -9 mid-handler: Slack gets no answer
        sender.join(30)
        slack.holds.pop("users.info").set()
        time.sleep(0.2)
        assert publishes(slack) == (0, 0)
        answers = [_post(b.url, *retried(event, n)) for n in (1, 2)]  # Slack's retries, to the other replica
        slack.quiet(0.3)
        print(f"\nfirst delivery: {first}, retries: {answers}, views.publish {publishes(slack)}")
        assert first and first[0] != 200
        assert answers == [200, 200]
        assert publishes(slack) == (1, 1)
        assert [r for r in slack.refusals()] == []
    finally:
        for srv in (a, b):
            if srv is not None and srv.proc.poll() is None:
                srv.stop()
            elif srv is not None:
                srv.sock.close()
        slack.stop()
        github.stop()
        drop_everything(postgres_url)
