"""Property: no mutation of a content file crashes or hangs the loader, and every problem it
reports names its file and field; content that still passes renders the site and calendars."""

from __future__ import annotations

import datetime as dt
import signal
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlhub import calendar, site
from mlhub.content import validate

from .conftest import NOW, copy_repo
from .content_mutations import (
    REQUIRED,
    WHOLE_FILE,
    content_files,
    node_paths,
    parse,
    replaced,
    serialise,
    unnamed,
    values_for,
)

RUN_SECONDS = 5  # the acceptance bound of one run of the loader (typically 0.2-0.6 s here)
HANG_SECONDS = 30  # a run still going by then is stopped, so that a hang fails instead of blocking

# Values hypothesis builds freely, beside the hand-picked ones in content_mutations.
scalars = (st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False)
           | st.text(max_size=40) | st.dates().map(str) | st.datetimes().map(dt.datetime.isoformat)
           | st.datetimes(timezones=st.timezones()).map(dt.datetime.isoformat))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
rule_values = st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY", "SECONDLY", "HOURLY", "MO", "-1TH",
                               "5FR", "53MO", "SU,MO", "20991231T000000Z", "20270101", "0", "", "X"])
rrules = st.lists(
    st.tuples(st.sampled_from(["FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH",
                               "BYSETPOS", "BYYEARDAY", "BYWEEKNO", "BYHOUR", "WKST", "DTSTART"]),
              rule_values | st.integers(-400, 400).map(str)),
    min_size=1, max_size=5,
).map(lambda parts: ";".join(f"{k}={v}" for k, v in parts))


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return copy_repo(tmp_path_factory.mktemp("fuzz") / "repo").root


@contextmanager
def stopped_after(seconds: int):
    def stop(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@st.composite
def mutations(draw, root: Path) -> tuple[str, bytes | None]:
    """(file, new bytes or None to delete): a whole-file change, or one value changed or deleted."""
    rel = draw(st.sampled_from(content_files(root)))
    raw = (root / rel).read_bytes()
    try:
        data, body = parse(rel, raw.decode())
    except Exception:
        data, body = None, None  # rfcs/README.md: no front matter
    paths = list(node_paths(data)) if data is not None else []
    if not paths or draw(st.integers(0, 9)) == 0:
        return rel, WHOLE_FILE[draw(st.sampled_from(sorted(WHOLE_FILE)))](raw)
    path = draw(st.sampled_from(paths))
    if draw(st.integers(0, 9)) == 0:
        return rel, serialise(replaced(data, path, None, delete=True), body)
    key = next((k for k in reversed(path) if isinstance(k, str)), "")
    choice = (st.sampled_from(list(values_for(path).values())) | values
              | (rrules if key == "rrule" else st.nothing()))
    return rel, serialise(replaced(data, path, draw(choice)), body)


# The deadline is asserted on validate() alone: rendering the site is not the loader's run.
@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_mutated_content_gives_problems_naming_file_and_field(root: Path, data):
    rel, new = data.draw(mutations(root))
    path = root / rel
    before = path.read_bytes()
    try:
        if new is None:
            path.unlink()
        else:
            path.write_bytes(new)
        with stopped_after(HANG_SECONDS):
            t0 = time.monotonic()
            hub, problems = validate(root, NOW)
            seconds = time.monotonic() - t0
            errors = [p for p in problems if p.severity == "error"]
            if not errors:
                site.render(hub, NOW)
                calendar.upcoming(hub, NOW)
    finally:
        path.write_bytes(before)
    assert seconds < RUN_SECONDS, f"validate took {seconds:.1f} s"
    assert [str(p) for p in problems if unnamed(p.path, p.field, p.check, root, rel)] == []
    if rel in REQUIRED and (new or b"").strip() in (b"", b"null"):
        assert any(p.path == rel for p in errors), f"{rel} emptied, yet: {[str(p) for p in problems]}"

