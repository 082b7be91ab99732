"""Every named check and every loader rule, each with a failing example on a broken copy."""

from __future__ import annotations

import pytest

from mlhub import checks
from mlhub.content import ContentError, load, validate

from .conftest import Copy


def _sig(data, sid):
    return next(s for s in data["sigs"] if s["id"] == sid)


def set_service_owner(repo: Copy):
    repo.edit_yaml("catalog/katib.yaml", lambda d: d.update(owner_sig="sig-nope"))


def bad_person_tz(repo: Copy):
    repo.edit_yaml("community/people.yaml", lambda d: d["people"][2].update(tz="Asia/Calcuttaa"))


def bad_meeting_tz(repo: Copy):
    repo.edit_yaml("community/sigs.yaml",
                   lambda d: _sig(d, "sig-pipelines")["meetings"][0].update(tz="EST5EDT-ish"))


RFC1 = "rfcs/0001-adopt-mlflow-for-tracking-and-registry.md"


def duplicate_rfc_number(repo: Copy):
    text = repo.path(RFC1).read_text()
    repo.path("rfcs/0002-another-decision.md").write_text(text)  # number: 1 in a 0002 file


def duplicate_rfc_number_same_prefix(repo: Copy):
    text = repo.path(RFC1).read_text()
    repo.path("rfcs/0001-twin.md").write_text(text)


def unknown_key(repo: Copy):
    repo.edit_yaml("catalog/notebooks.yaml", lambda d: d.update(matruity="stable"))


def rrule_never_fires(repo: Copy):
    repo.edit_yaml("community/sigs.yaml", lambda d: _sig(d, "sig-serving")["meetings"][0].update(
        rrule="FREQ=WEEKLY;BYDAY=TH;UNTIL=20260301T000000Z"))


def rrule_does_not_parse(repo: Copy):
    repo.edit_yaml("community/sigs.yaml",
                   lambda d: _sig(d, "sig-serving")["meetings"][0].update(rrule="EVERY=THURSDAY"))


def exdate_off_rule(repo: Copy):
    repo.edit_yaml("community/sigs.yaml",
                   lambda d: _sig(d, "sig-pipelines")["meetings"][0].update(exdates=["2026-12-24"]))


def unknown_chair(repo: Copy):
    repo.edit_yaml("community/sigs.yaml", lambda d: _sig(d, "sig-serving")["chairs"].append("ghost"))


def unknown_presenter(repo: Copy):
    repo.edit_text("demos/2026-09-24-kserve-first-steps.md", "[diego-alvarez]", "[diego]")


def duplicate_person(repo: Copy):
    repo.edit_yaml("community/people.yaml", lambda d: d["people"].append(dict(d["people"][0])))


def unknown_roadmap_service(repo: Copy):
    repo.edit_yaml("community/roadmap.yaml", lambda d: d["items"][0].update(services=["mlflow"]))


def unknown_tutorial(repo: Copy):
    repo.edit_yaml("catalog/notebooks.yaml", lambda d: d.update(tutorials=["01-explore-the-data"]))


def missing_demo_notebook(repo: Copy):
    repo.edit_text("demos/2026-09-24-kserve-first-steps.md", "services: [model-serving, mlflow-registry]",
                   "services: [model-serving, mlflow-registry]\nnotebook: kserve-first-steps.ipynb")


def tutorial_with_outputs(repo: Copy):
    import nbformat

    path = repo.path("tutorials/01-explore-data.ipynb")
    nb = nbformat.read(path, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", text="MLFLOW_TRACKING_TOKEN=abc\n")]
    nbformat.write(nb, path)


def tutorial_without_title(repo: Copy):
    import nbformat

    path = repo.path("tutorials/01-explore-data.ipynb")
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source = "An introduction without a heading."
    nbformat.write(nb, path)


def service_id_not_file_name(repo: Copy):
    repo.edit_yaml("catalog/katib.yaml", lambda d: d.update(id="katib-tuning"))


def demo_date_not_file_name(repo: Copy):
    repo.edit_text("demos/2026-09-24-kserve-first-steps.md", "date: 2026-09-24", "date: 2026-09-25")


def alpha_in_production(repo: Copy):
    repo.edit_yaml("catalog/training-jobs.yaml", lambda d: d["stages"].append("production"))


def ml_sync_too_long(repo: Copy):
    repo.edit_yaml("community/ceremonies.yaml", lambda d: d["ml_sync"]["meeting"].update(duration="PT45M"))


def ml_sync_weekly(repo: Copy):
    repo.edit_yaml("community/ceremonies.yaml",
                   lambda d: d["ml_sync"]["meeting"].update(rrule="FREQ=WEEKLY;BYDAY=TU"))


def too_many_slots(repo: Copy):
    repo.edit_yaml("community/ceremonies.yaml", lambda d: d["community_sessions"].update(demo_slots=5))


def future_since(repo: Copy):
    repo.edit_yaml("catalog/katib.yaml", lambda d: d.update(since="2027-06-01"))


def bad_enum(repo: Copy):
    repo.edit_yaml("catalog/katib.yaml", lambda d: d.update(maturity="ga"))


def bad_date(repo: Copy):
    repo.edit_text(RFC1, "created: 2026-03-02", "created: 2026-02-30")


def demo_too_long(repo: Copy):
    repo.edit_yaml("community/ceremonies.yaml", lambda d: d["community_sessions"].update(demo_minutes=20))


def duplicate_yaml_key(repo: Copy):
    repo.path("catalog/katib.yaml").write_text(
        repo.path("catalog/katib.yaml").read_text() + "maturity: stable\n")


def oversized_file(repo: Copy):
    repo.path("catalog/katib.yaml").write_text(
        repo.path("catalog/katib.yaml").read_text() + "# padding\n" * 30000)


def unsafe_yaml(repo: Copy):
    repo.path("catalog/katib.yaml").write_text("id: !!python/object/apply:os.system ['true']\n")


def no_front_matter(repo: Copy):
    repo.path("demos/2026-11-26-untitled.md").write_text("A demo without front matter.\n")


def bad_demo_file_name(repo: Copy):
    text = repo.path("demos/2026-09-24-kserve-first-steps.md").read_text()
    repo.path("demos/kserve.md").write_text(text)


def _meeting(name: str, **fields):
    """A mutation of sig-serving's first meeting, named for the test id."""
    def mutate(repo: Copy):
        repo.edit_yaml("community/sigs.yaml",
                       lambda d: _sig(d, "sig-serving")["meetings"][0].update(fields))

    mutate.__name__ = name
    return mutate


rrule_secondly = _meeting("rrule_secondly", rrule="FREQ=SECONDLY")
rrule_interval_zero = _meeting("rrule_interval_zero", rrule="FREQ=WEEKLY;INTERVAL=0;BYDAY=TH")
rrule_time_of_day = _meeting("rrule_time_of_day", rrule="FREQ=DAILY;BYHOUR=9,10,11")
rrule_selects_no_day = _meeting("rrule_selects_no_day", rrule="FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31")
exdate_far_ahead = _meeting("exdate_far_ahead", exdates=["9999-12-31"])
exdate_before_start = _meeting("exdate_before_start", exdates=["2001-01-04"])
dtstart_with_offset = _meeting("dtstart_with_offset", dtstart="2026-01-08T17:00:00+01:00")
dtstart_before_1970 = _meeting("dtstart_before_1970", dtstart="0001-01-01T00:00:00")
zero_duration = _meeting("zero_duration", duration="PT0S")


def emptied_ceremonies(repo: Copy):
    repo.path("community/ceremonies.yaml").write_text("# nothing left\n")


def emptied_service(repo: Copy):
    repo.path("catalog/katib.yaml").write_text("")


def roadmap_as_a_list(repo: Copy):
    repo.path("community/roadmap.yaml").write_text("- quarter: 2026-Q4\n")


def empty_front_matter(repo: Copy):
    repo.path(RFC1).write_text("---\n---\n## Summary\n")


def deeply_nested_yaml(repo: Copy):
    repo.path("catalog/katib.yaml").write_text("id: " + "[" * 5000 + "]" * 5000 + "\n")


def yaml_alias(repo: Copy):
    repo.path("catalog/katib.yaml").write_text(
        repo.path("catalog/katib.yaml").read_text().replace("stages: [sandbox, dev, staging]",
                                                            "stages: &s [sandbox]\ndocs: *s"))


# (mutation, expected "path:field" prefix of the problem line, check name)
CASES = [
    (set_service_owner, "catalog/katib.yaml:owner_sig", "sigs-exist"),
    (bad_person_tz, "community/people.yaml:people[2].tz", "time-zones"),
    (bad_meeting_tz, "community/sigs.yaml:sigs[1].meetings[0].tz", "time-zones"),
    (duplicate_rfc_number, "rfcs/0002-another-decision.md:number", "rfc-numbers"),
    (duplicate_rfc_number_same_prefix, "rfcs/0001-twin.md:number", "rfc-numbers"),
    (unknown_key, "catalog/notebooks.yaml:matruity", "schema"),
    (rrule_never_fires, "community/sigs.yaml:sigs[3].meetings[0].rrule", "rrules"),
    (rrule_does_not_parse, "community/sigs.yaml:sigs[3].meetings[0].rrule", "rrules"),
    (exdate_off_rule, "community/sigs.yaml:sigs[1].meetings[0].exdates[0]", "rrules"),
    (unknown_chair, "community/sigs.yaml:sigs[3].chairs[1]", "people-exist"),
    (unknown_presenter, "demos/2026-09-24-kserve-first-steps.md:presenters[0]", "people-exist"),
    (duplicate_person, "community/people.yaml:people[10].id", "ids-unique"),
    (unknown_roadmap_service, "community/roadmap.yaml:items[0].services[0]", "services-exist"),
    (unknown_tutorial, "catalog/notebooks.yaml:tutorials[0]", "tutorials-exist"),
    (tutorial_with_outputs, "tutorials/01-explore-data.ipynb:cells", "tutorials-clean"),
    (missing_demo_notebook, "demos/2026-09-24-kserve-first-steps.md:notebook", "demo-notebooks"),
    (tutorial_without_title, "tutorials/01-explore-data.ipynb", "files"),
    (service_id_not_file_name, "catalog/katib.yaml:id", "file-names"),
    (demo_date_not_file_name, "demos/2026-09-24-kserve-first-steps.md:date", "file-names"),
    (alpha_in_production, "catalog/training-jobs.yaml:stages[2]", "lifecycle"),
    (ml_sync_too_long, "community/ceremonies.yaml:ml_sync.meeting.duration", "ceremonies"),
    (ml_sync_weekly, "community/ceremonies.yaml:ml_sync.meeting.rrule", "ceremonies"),
    (too_many_slots, "community/ceremonies.yaml:community_sessions.demo_slots", "ceremonies"),
    (future_since, "catalog/katib.yaml:since", "dates"),
    (bad_enum, "catalog/katib.yaml:maturity", "schema"),
    (bad_date, f"{RFC1}:created", "schema"),
    (demo_too_long, "community/ceremonies.yaml:community_sessions.demo_minutes", "schema"),
    (duplicate_yaml_key, "catalog/katib.yaml", "files"),
    (oversized_file, "catalog/katib.yaml", "files"),
    (unsafe_yaml, "catalog/katib.yaml", "files"),
    (no_front_matter, "demos/2026-11-26-untitled.md", "files"),
    (bad_demo_file_name, "demos/kserve.md", "files"),
    (rrule_secondly, "community/sigs.yaml:sigs[3].meetings[0].rrule", "rrules"),
    (rrule_interval_zero, "community/sigs.yaml:sigs[3].meetings[0].rrule", "rrules"),
    (rrule_time_of_day, "community/sigs.yaml:sigs[3].meetings[0].rrule", "rrules"),
    (rrule_selects_no_day, "community/sigs.yaml:sigs[3].meetings[0].rrule", "rrules"),
    (exdate_far_ahead, "community/sigs.yaml:sigs[3].meetings[0].exdates[0]", "rrules"),
    (exdate_before_start, "community/sigs.yaml:sigs[3].meetings[0].exdates[0]", "rrules"),
    (dtstart_with_offset, "community/sigs.yaml:sigs[3].meetings[0].dtstart", "meeting-times"),
    (dtstart_before_1970, "community/sigs.yaml:sigs[3].meetings[0].dtstart", "meeting-times"),
    (zero_duration, "community/sigs.yaml:sigs[3].meetings[0].duration", "meeting-times"),
    (emptied_ceremonies, "community/ceremonies.yaml", "files"),
    (emptied_service, "catalog/katib.yaml", "files"),
    (roadmap_as_a_list, "community/roadmap.yaml", "files"),
    (empty_front_matter, RFC1, "files"),
    (deeply_nested_yaml, "catalog/katib.yaml", "files"),
    (yaml_alias, "catalog/katib.yaml", "files"),
]


def test_repository_content_is_valid(now):
    from .conftest import REPO

    hub, problems = validate(REPO, now)
    assert problems == []
    assert len(hub.services) >= 7 and len(hub.sigs) >= 3 and len(hub.demos) >= 5


@pytest.mark.parametrize("mutate, where, check", CASES, ids=[c[0].__name__ for c in CASES])
def test_broken_copy_is_reported(repo: Copy, now, mutate, where, check):
    mutate(repo)
    _, problems = validate(repo.root, now)
    lines = [str(p) for p in problems if p.severity == "error"]
    matching = [p for p in problems if str(p).startswith(where + ":") and p.check == check]
    assert matching, f"expected a {check} problem at {where}, got {lines}"
    with pytest.raises(ContentError) as exc:
        load(repo.root, now)
    assert where in str(exc.value)


def test_every_named_check_has_a_failing_example():
    from .test_clusters import CLUSTER_CASES
    from .test_registry_webhooks import REGISTRY_CASES
    from .test_requests import REQUEST_CASES
    from .test_rfc_lint import RFC_CASES

    covered = {check for _, _, check in CASES + RFC_CASES + REGISTRY_CASES + CLUSTER_CASES + REQUEST_CASES}
    assert set(checks.registry()) <= covered, set(checks.registry()) - covered


def test_problems_are_collected_not_stopped_at_the_first(repo: Copy, now):
    set_service_owner(repo)
    bad_person_tz(repo)
    unknown_key(repo)
    _, problems = validate(repo.root, now)
    assert {p.check for p in problems} >= {"sigs-exist", "time-zones", "schema"}


def test_unknown_sig_message_names_the_known_ones(repo: Copy, now):
    set_service_owner(repo)
    _, problems = validate(repo.root, now)
    (p,) = [p for p in problems if p.check == "sigs-exist"]
    assert "sig-nope" in p.message and "sig-training-tuning" in p.message


def test_unsafe_yaml_is_not_executed(repo: Copy, now, tmp_path):
    marker = tmp_path / "pwned"
    repo.path("catalog/katib.yaml").write_text(
        f"id: !!python/object/apply:os.system ['touch {marker}']\n")
    validate(repo.root, now)
    assert not marker.exists()
