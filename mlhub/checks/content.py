"""Checks of the community, catalog and demo content: references, time, lifecycle, ceremonies."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator

from mlhub import calendar
from mlhub.checks import check, problem
from mlhub.content.hub import Hub
from mlhub.content.models import ALLOWED_STAGES, Meeting, Model
from mlhub.content.problems import Problem


def _dupes(items: Iterable[tuple[Model, str, object]], name: str, what: str) -> Iterator[Problem]:
    seen: Counter = Counter()
    for obj, field, key in items:
        seen[key] += 1
        if seen[key] == 2:
            yield problem(obj, field, f"duplicate {what} {key!r}: each must be unique", name)


@check("ids-unique")
def ids_unique(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """People, SIGs, services, meetings and roadmap items have unique ids."""
    yield from _dupes(((p, "id", p.id) for p in hub.people), "ids-unique", "person id")
    yield from _dupes(((s, "id", s.id) for s in hub.sigs), "ids-unique", "SIG id")
    yield from _dupes(((s, "id", s.id) for s in hub.services), "ids-unique", "service id")
    yield from _dupes(((m, "id", m.id) for _, m in hub.meetings()), "ids-unique", "meeting id")
    yield from _dupes(((s, "slack_id", s.slack_id) for s in hub.people), "ids-unique", "Slack id")
    if hub.roadmap:
        yield from _dupes(((i, "id", i.id) for i in hub.roadmap.items), "ids-unique", "item id")


def _person_refs(hub: Hub) -> Iterator[tuple[Model, str, str]]:
    for sig in hub.sigs:
        for role in ("chairs", "tech_leads", "rfc_approvers", "members"):
            for i, pid in enumerate(getattr(sig, role)):
                yield sig, f"{role}[{i}]", pid
    if hub.ceremonies:
        for cer in (hub.ceremonies.ml_sync, hub.ceremonies.community_sessions):
            for i, pid in enumerate(cer.hosts):
                yield cer, f"hosts[{i}]", pid
    if hub.roadmap:
        for item in hub.roadmap.items:
            yield item, "owner", item.owner
    for rfc in hub.rfcs:
        for i, pid in enumerate(rfc.authors):
            yield rfc, f"authors[{i}]", pid
        if rfc.shepherd:
            yield rfc, "shepherd", rfc.shepherd
        if d := rfc.decision:
            for i, pid in enumerate(d.signoffs):
                yield rfc, f"decision.signoffs[{i}]", pid
            for i, c in enumerate(d.concerns):
                yield rfc, f"decision.concerns[{i}].by", c.by
    for demo in hub.demos:
        for i, pid in enumerate(demo.presenters):
            yield demo, f"presenters[{i}]", pid


@check("people-exist")
def people_exist(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """Every person named (chairs, hosts, owners, authors, presenters) is in people.yaml."""
    known = {p.id for p in hub.people} | hub.unloaded["person"]
    for obj, field, pid in _person_refs(hub):
        if pid not in known:
            yield problem(obj, field, f"unknown person {pid!r}: add them to community/people.yaml",
                          "people-exist")


@check("sigs-exist")
def sigs_exist(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """Every SIG named by a service, an RFC or a roadmap item is in sigs.yaml."""
    known = {s.id for s in hub.sigs} | hub.unloaded["sig"]
    refs: list[tuple[Model, str, str]] = [(s, "owner_sig", s.owner_sig) for s in hub.services]
    for rfc in hub.rfcs:
        refs.append((rfc, "owning_sig", rfc.owning_sig))
        refs.extend((rfc, f"participating_sigs[{i}]", s) for i, s in enumerate(rfc.participating_sigs))
    if hub.roadmap:
        refs.extend((i, "sig", i.sig) for i in hub.roadmap.items if i.sig)
    for obj, field, sid in refs:
        if sid not in known:
            yield problem(obj, field, f"unknown SIG {sid!r}: known SIGs are "
                          f"{', '.join(sorted(s.id for s in hub.sigs))}",
                          "sigs-exist")


@check("services-exist")
def services_exist(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """Every service named by a roadmap item, a demo or an RFC's `affects` is in catalog/."""
    known = {s.id for s in hub.services} | hub.unloaded["service"]
    refs: list[tuple[Model, str, str]] = []
    if hub.roadmap:
        for item in hub.roadmap.items:
            refs.extend((item, f"services[{i}]", s) for i, s in enumerate(item.services))
    for demo in hub.demos:
        refs.extend((demo, f"services[{i}]", s) for i, s in enumerate(demo.services))
    for rfc in hub.rfcs:
        refs.extend((rfc, f"affects[{i}].service", a.service) for i, a in enumerate(rfc.affects))
    for obj, field, sid in refs:
        if sid not in known:
            yield problem(obj, field, f"unknown service {sid!r}: add catalog/{sid}.yaml or fix the id",
                          "services-exist")


@check("tutorials-exist")
def tutorials_exist(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """Every tutorial a service links is a notebook in tutorials/."""
    for svc in hub.services:
        for i, tid in enumerate(svc.tutorials):
            if hub.tutorial(tid) is None:
                yield problem(svc, f"tutorials[{i}]", f"no notebook tutorials/{tid}.ipynb",
                              "tutorials-exist")


@check("file-names")
def file_names(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """A service's id matches catalog/ID.yaml; a demo's date matches demos/YYYY-MM-DD-slug.md."""
    for svc in hub.services:
        path = svc.at()[0]
        if path != f"catalog/{svc.id}.yaml":
            yield problem(svc, "id", f"id {svc.id!r} must match the file name {path}", "file-names")
    for demo in hub.demos:
        if demo.slug[:10] != demo.date.isoformat():
            yield problem(demo, "date", f"date {demo.date} does not match the file name "
                          f"{demo.slug}.md", "file-names")


def _zone_refs(hub: Hub) -> Iterator[tuple[Model, str]]:
    yield from ((p, p.tz) for p in hub.people)
    yield from ((m, m.tz) for _, m in hub.meetings())


@check("time-zones")
def time_zones(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """Every tz is an IANA time zone name (Europe/Paris, not CET or 'Paris time')."""
    for obj, tz in _zone_refs(hub):
        if calendar.zone(tz) is None:
            yield problem(obj, "tz", f"unknown time zone {tz!r}: use an IANA name such as "
                          "Europe/Paris or America/New_York", "time-zones")


def _rrule_problem(meeting: Meeting, now: dt.datetime) -> str | None:
    try:
        calendar.rule(meeting)
    except ValueError as exc:
        return f"RRULE does not parse: {exc}"
    if not calendar.fires(meeting):
        return ("RRULE never yields an occurrence: its BY... parts, with its INTERVAL counted from dtstart, "
                "select no day (e.g. BYMONTH=4;BYMONTHDAY=31)")
    if calendar.next_occurrence(meeting, now) is None:
        return ("RRULE yields no occurrence in the coming year: it ended (UNTIL/COUNT), starts later "
                "(dtstart) or never fires")
    return None


@check("demo-notebooks")
def demo_notebooks(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """A demo's notebook is a file in demos/ (verified like the tutorials)."""
    for demo in hub.demos:
        if demo.notebook and not (hub.root / "demos" / demo.notebook).is_file():
            yield problem(demo, "notebook", f"no notebook demos/{demo.notebook}", "demo-notebooks")


@check("tutorials-clean")
def tutorials_clean(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """Committed tutorials hold no outputs: results (and anything secret they print) live only in
    the executed copies that verification writes."""
    for tut in hub.tutorials:
        if tut.has_outputs:
            yield Problem(f"tutorials/{tut.id}.ipynb", "cells", "the notebook holds outputs; clear them "
                          "(Jupyter: Edit > Clear Outputs of All Cells) before committing", "tutorials-clean")


@check("registry-routes")
def registry_routes(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """Warns when registered-model name globs of two SIGs overlap (the first declared SIG wins)."""
    from mlhub import registry

    for s1, i1, s2, i2 in registry.overlaps(hub):
        yield problem(s2, f"registry[{i2}].model", f"{s2.registry[i2].model!r} overlaps {s1.id}'s "
                      f"{s1.registry[i1].model!r}: models matching both go to {s1.id}", "registry-routes",
                      "warning")


EXDATES_AHEAD_YEARS = 10  # checking an exdate expands the rule up to it: keep that span bounded


def _exdate_problems(meeting: Meeting, now: dt.datetime) -> Iterator[Problem]:
    first, last = meeting.dtstart.date(), dt.date(now.year + EXDATES_AHEAD_YEARS, 12, 31)
    near = [day for day in meeting.exdates if first <= day <= last]
    days = calendar.days_on(meeting, min(near), max(near)) if near else set()
    for i, day in enumerate(meeting.exdates):
        if day < first:
            msg = f"{day} is before the first meeting ({first}), so skipping it has no effect"
        elif day > last:
            msg = f"{day} is more than {EXDATES_AHEAD_YEARS} years ahead: skip meetings nearer the date"
        elif day not in days:
            msg = f"{day} is not a day this meeting occurs, so skipping it has no effect"
        else:
            continue
        yield problem(meeting, f"exdates[{i}]", msg, "rrules")


@check("rrules")
def rrules(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """Every meeting's RRULE parses (RFC 5545, daily to yearly) and yields a future occurrence;
    exdates fall on occurrences within ten years."""
    for _, meeting in hub.meetings():
        if calendar.zone(meeting.tz) is None or _start_problem(meeting):
            continue  # reported by time-zones or meeting-times
        if msg := _rrule_problem(meeting, now):
            yield problem(meeting, "rrule", msg, "rrules")
            continue
        yield from _exdate_problems(meeting, now)


EARLIEST_START = dt.datetime(1970, 1, 1)
LONGEST_MEETING = dt.timedelta(hours=24)


def _start_problem(meeting: Meeting) -> str | None:
    # Expanding a rule walks every period from dtstart: a start in year 1 costs ~740,000 days.
    if meeting.dtstart.tzinfo is not None:
        return (f"dtstart is local wall-clock time in {meeting.tz}: remove the offset "
                f"({meeting.dtstart.replace(tzinfo=None).isoformat()})")
    if meeting.dtstart < EARLIEST_START:
        return f"{meeting.dtstart.isoformat()} is before 1970: give the date and time of the first meeting"
    return None


def _time_problems(meeting: Meeting) -> list[tuple[str, str]]:
    out = []
    if msg := _start_problem(meeting):
        out.append(("dtstart", msg))
    if not dt.timedelta(0) < meeting.duration <= LONGEST_MEETING:
        out.append(("duration", f"a meeting lasts more than 0 and at most 24 hours (PT45M, PT1H30M), "
                    f"not {meeting.duration}"))
    return out


@check("meeting-times")
def meeting_times(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """A meeting's dtstart is local time (no offset) from 1970 on; it lasts more than 0 and at most
    24 hours."""
    for _, meeting in hub.meetings():
        for field, msg in _time_problems(meeting):
            yield problem(meeting, field, msg, "meeting-times")


@check("lifecycle")
def lifecycle(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """A service is only enabled on cluster stages its maturity allows."""
    for svc in hub.services:
        allowed = ALLOWED_STAGES[svc.maturity]
        for i, stage in enumerate(svc.stages):
            if stage not in allowed:
                yield problem(svc, f"stages[{i}]", f"{svc.maturity.value} services may only be "
                              f"enabled on {', '.join(s.value for s in allowed)}, not {stage.value}",
                              "lifecycle")


@check("ceremonies")
def ceremonies(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """The ML Sync is biweekly and 15-30 minutes; community-session demo slots fit the session."""
    if not hub.ceremonies:
        return
    sync = hub.ceremonies.ml_sync.meeting
    minutes = sync.duration.total_seconds() / 60
    if not 15 <= minutes <= 30:
        yield problem(sync, "duration", f"the ML Sync lasts 15 to 30 minutes, not {minutes:g}",
                      "ceremonies")
    parts = dict(p.partition("=")[::2] for p in sync.rrule.upper().split(";"))
    if parts.get("FREQ") != "WEEKLY" or parts.get("INTERVAL") != "2":
        yield problem(sync, "rrule", "the ML Sync is biweekly: FREQ=WEEKLY;INTERVAL=2;BYDAY=..",
                      "ceremonies")
    cs = hub.ceremonies.community_sessions
    needed = cs.demo_slots * (cs.demo_minutes + cs.qa_minutes)
    have = cs.meeting.duration.total_seconds() / 60
    if needed > have:
        yield problem(cs, "demo_slots", f"{cs.demo_slots} slots of {cs.demo_minutes}+{cs.qa_minutes} "
                      f"minutes need {needed} minutes; the session lasts {have:g}", "ceremonies")


@check("dates")
def dates(hub: Hub, now: dt.datetime) -> Iterator[Problem]:
    """A service's `since` date is not in the future."""
    for svc in hub.services:
        if svc.since > now.date():
            yield problem(svc, "since", f"{svc.since} is in the future", "dates")
