"""RFC lint rules, each with a failing example printed as `path:field: message`."""

from __future__ import annotations

import pytest
import yaml

from mlhub.content import validate
from mlhub.content.files import split_front_matter
from mlhub.content.models import RfcStatus
from mlhub.rfc.lifecycle import EDGES, QuorumRule, can_move, move_error, quorum

from .conftest import Copy

RFC1 = "rfcs/0001-adopt-mlflow-for-tracking-and-registry.md"
RFC2 = "rfcs/0002-integrate-services-by-maturity.md"


def edit_front(repo: Copy, rel: str, fn) -> None:
    data, body = split_front_matter(repo.path(rel).read_text())
    fn(data)
    front = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    repo.path(rel).write_text(f"---\n{front}---\n{body}")


def no_decision_block(repo):
    edit_front(repo, RFC1, lambda d: d.pop("decision"))


def no_shepherd(repo):
    edit_front(repo, RFC2, lambda d: d.pop("shepherd"))


def disposition_mismatch(repo):
    edit_front(repo, RFC1, lambda d: d["decision"].update(disposition="reject"))


def chosen_option_not_an_option(repo):
    edit_front(repo, RFC1, lambda d: d["decision"].update(chosen_option="kubeflow-pipelines"))


def supersede_not_reciprocal(repo):
    edit_front(repo, RFC2, lambda d: d.update(supersedes=[1]))


def supersede_missing_target(repo):
    edit_front(repo, RFC2, lambda d: d.update(status="superseded", superseded_by=[9]))


def supersede_cycle(repo):
    edit_front(repo, RFC1, lambda d: d.update(status="superseded", supersedes=[2], superseded_by=[2]))
    edit_front(repo, RFC2, lambda d: d.update(status="superseded", supersedes=[1], superseded_by=[1]))


def author_signs_off(repo):
    edit_front(repo, RFC1, lambda d: d["decision"]["signoffs"].append("amelie-durand"))


def signoff_not_an_approver(repo):
    edit_front(repo, RFC1, lambda d: d["decision"]["signoffs"].append("kenji-tanaka"))


def no_quorum(repo):
    edit_front(repo, RFC2, lambda d: d["decision"].update(signoffs=["lea-fischer"]))


def open_blocking_concern(repo):
    edit_front(repo, RFC1, lambda d: d["decision"]["concerns"][0].pop("resolved"))


def missing_heading(repo):
    repo.edit_text(RFC2, "## Readiness\n", "## Preparedness\n")


def headings_out_of_order(repo):
    text = repo.path(RFC2).read_text()
    a, b = text.index("## Decision drivers"), text.index("## Considered options")
    c = text.index("## Decision\n")
    repo.path(RFC2).write_text(text[:a] + text[b:c] + text[a:b] + text[c:])


def fcp_ends_before_start(repo):
    edit_front(repo, RFC1, lambda d: d["decision"].update(fcp_end="2026-03-10T17:00:00+01:00"))


def decided_before_fcp_end(repo):
    edit_front(repo, RFC1, lambda d: d["decision"].update(decided="2026-03-20"))


def review_by_passed(repo):
    edit_front(repo, RFC1, lambda d: d.update(review_by="2026-06-30"))


def affects_unknown_service(repo):
    edit_front(repo, RFC1, lambda d: d["affects"].append({"service": "feast", "maturity": "beta"}))


def unknown_signoff_person(repo):
    edit_front(repo, RFC1, lambda d: d["decision"]["signoffs"].append("nobody-here"))


def unknown_status(repo):
    edit_front(repo, RFC1, lambda d: d.update(status="approved"))


def fcp_start_without_offset(repo):
    # fcp_end keeps its offset: the lint must not compare a naive time with an aware one
    edit_front(repo, RFC2, lambda d: d["decision"].update(fcp_start="2026-04-20T09:00:00"))


RFC_CASES = [
    (no_decision_block, f"{RFC1}:decision", "rfc-fields"),
    (no_shepherd, f"{RFC2}:shepherd", "rfc-fields"),
    (disposition_mismatch, f"{RFC1}:decision.disposition", "rfc-fields"),
    (chosen_option_not_an_option, f"{RFC1}:decision.chosen_option", "rfc-fields"),
    (supersede_not_reciprocal, f"{RFC2}:supersedes[0]", "rfc-supersede"),
    (supersede_missing_target, f"{RFC2}:superseded_by[0]", "rfc-supersede"),
    (supersede_cycle, f"{RFC1}:superseded_by", "rfc-supersede"),
    (author_signs_off, f"{RFC1}:decision.signoffs[3]", "rfc-approvers"),
    (signoff_not_an_approver, f"{RFC1}:decision.signoffs[3]", "rfc-approvers"),
    (no_quorum, f"{RFC2}:decision.signoffs", "rfc-quorum"),
    (open_blocking_concern, f"{RFC1}:decision.concerns[0].resolved", "rfc-quorum"),
    (missing_heading, f"{RFC2}:body", "rfc-headings"),
    (headings_out_of_order, f"{RFC2}:body", "rfc-headings"),
    (fcp_ends_before_start, f"{RFC1}:decision.fcp_end", "rfc-dates"),
    (decided_before_fcp_end, f"{RFC1}:decision.decided", "rfc-dates"),
    (fcp_start_without_offset, f"{RFC2}:decision.fcp_start", "rfc-dates"),
    (review_by_passed, f"{RFC1}:review_by", "rfc-review-by"),
    (affects_unknown_service, f"{RFC1}:affects[2].service", "services-exist"),
    (unknown_signoff_person, f"{RFC1}:decision.signoffs[3]", "people-exist"),
    (unknown_status, f"{RFC1}:status", "schema"),
]


@pytest.mark.parametrize("mutate, where, check", RFC_CASES, ids=[c[0].__name__ for c in RFC_CASES])
def test_lint_rule_reports_file_and_field(repo: Copy, now, mutate, where, check):
    mutate(repo)
    _, problems = validate(repo.root, now)
    lines = [str(p) for p in problems]
    assert any(str(p).startswith(where + ": ") and p.check == check for p in problems), lines


def test_review_by_is_a_warning_not_an_error(repo: Copy, now):
    review_by_passed(repo)
    _, problems = validate(repo.root, now)
    assert [p.severity for p in problems] == ["warning"]


def test_the_state_machine():
    S = RfcStatus
    assert can_move(S.draft, S.review) and can_move(S.fcp, S.accepted)
    assert not can_move(S.draft, S.accepted)
    assert "from draft an RFC may move to review, withdrawn" in move_error(S.draft, S.accepted)
    for state in (S.draft, S.review, S.fcp):
        assert S.withdrawn in EDGES[state]
    for final in (S.rejected, S.withdrawn, S.superseded, S.deprecated):
        assert EDGES[final] == frozenset()
    assert set(EDGES) == set(S)


@pytest.mark.parametrize("approvers, authors, signoffs, needed, met", [
    (["a", "b", "c"], ["x"], ["a", "b"], 2, True),           # 2 of 3
    (["a", "b", "c", "d", "e", "f"], ["x"], ["a", "b", "c"], 4, False),  # 3 of 6 < 4
    (["a", "b", "c", "d", "e", "f"], ["x"], ["a", "b", "c", "d"], 4, True),
    (["a", "b", "c"], ["a"], ["a", "b"], 2, False),          # the author does not count
    (["a", "b", "c", "d", "e", "f", "g", "h", "i"], [], list("abcdef"), 6, False),  # 3 outstanding
])
def test_quorum(approvers, authors, signoffs, needed, met):
    state = quorum(approvers, authors, signoffs)
    assert state.needed == needed and state.met(QuorumRule()) is met


@pytest.mark.parametrize("text", [None, "", "---\nnumber: [\n---\n## Summary\n"])
def test_a_missing_or_broken_template_is_an_error_naming_it(repo: Copy, now, text):
    path = repo.path("rfcs/0000-template.md")
    if text is None:
        path.unlink()
    else:
        path.write_text(text)
    _, problems = validate(repo.root, now)
    (problem,) = [p for p in problems if p.path == "rfcs/0000-template.md"]
    assert (problem.check, problem.severity) == ("files", "error")
    assert problem.message.startswith("cannot read the RFC template: ")
