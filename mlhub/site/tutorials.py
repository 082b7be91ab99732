"""Tutorial pages: the executed copy of each notebook with a stamp per part (executed against which
services, validated against which API schema, or not checked) or a "broken" banner, a download
link, and a status page. Nothing is executed here: verification did that."""

from __future__ import annotations

import copy
import html
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mlhub.content.hub import Hub, Tutorial
from mlhub.feedback.counts import REPEATED, PageCount, repeated_blocked
from mlhub.site import md, paths
from mlhub.verify.record import Record

if TYPE_CHECKING:
    import nbformat

# what a part's stamp says, by status; "Verified" only ever heads a page whose every part ran
PART_LABEL = {"executed": "Executed", "validated": "Validated", "not-checked": "Not checked", "failed": "Failed"}
PART_MARK = {"executed": "✔", "validated": "✔", "not-checked": "–", "failed": "✘"}


@dataclass
class Verification:
    """What verification left: records and executed notebooks, by tutorial id."""

    records: dict[str, Record] = field(default_factory=dict)
    executed: dict[str, nbformat.NotebookNode] = field(default_factory=dict)


def _kfp(rec: Record) -> str:
    where = "kfp.local" if rec.kfp_target == "local" else rec.kfp_target
    return f"Kubeflow Pipelines {rec.kfp_version} ({where})"


def headline(rec: Record | None) -> tuple[str, str]:
    """(admonition kind, title) of a tutorial's banner."""
    if rec is None:
        return "warning", "Not verified yet"
    if rec.status == "passed":
        done = all(p["status"] in ("executed", "validated") for p in rec.parts)
        return ("success", "Verified") if done else ("info", "Partly verified")
    if rec.status == "failed":
        return "failure", f"Broken since {(rec.broken_since or rec.started)[:10]}"
    if rec.status == "blocked":
        return "warning", "Not run"
    return "warning", "Could not be verified: infrastructure error"


def banner(rec: Record | None, download: str | None = None) -> str:
    """The HTML admonition at the top of a tutorial page: what ran, part by part."""
    kind, title = headline(rec)
    if rec is None:
        text = "This tutorial has not been executed against the live services yet; run `mlhub verify`."
    elif rec.status == "passed":
        text = (f"Run on {rec.started[:10]} in {rec.duration_s:.0f} s against MLflow {rec.mlflow_version} and "
                f"{_kfp(rec)} (Python {rec.python}, commit {rec.git_commit}).")
    elif rec.status == "failed":
        cell = rec.failing_cell
        what = (f"cell {cell.index} failed with {cell.error}: {cell.message}" if cell else rec.error or "it failed")
        text = (f"The last verification on {rec.started[:10]} against MLflow {rec.mlflow_version} and "
                f"{_kfp(rec)}: {what}. The platform team has been told; the outputs below show where.")
    elif rec.status == "blocked":
        text = f"The last verification on {rec.started[:10]} did not run it: it {rec.error}."
    else:
        text = (f"The last verification on {rec.started[:10]} hit an infrastructure error, not a fault of this "
                f"tutorial: {rec.error}. It runs again at the next verification.")
    items = "".join(f'<li class="mlhub-part mlhub-part-{p["status"]}">{PART_MARK[p["status"]]} '
                    f'<strong>{PART_LABEL[p["status"]]}</strong>: {html.escape(p["title"])} '
                    f'<small>({html.escape(p["detail"])})</small></li>' for p in (rec.parts if rec else []))
    parts = f'<ul class="mlhub-parts">{items}</ul>' if items else ""
    link = (f'<p><a class="md-button mlhub-download" href="{download}" download>Download this notebook</a></p>'
            if download else "")
    return (f'<div class="admonition {kind} mlhub-verification"><p class="admonition-title">{title}</p>'
            f"<p>{html.escape(text)}</p>{parts}{link}</div>")


def notebook(tut: Tutorial, verification: Verification) -> str:
    """The notebook the site shows (and offers for download): the executed copy when there is
    one, else the source, with the verification banner as its second cell."""
    import nbformat  # here, not at the top: its schema validator costs 1.5 s to import (a Lark grammar
    # built by rfc3987_syntax), paid by every process that imports the site, the bot's included
    rec = verification.records.get(tut.id)
    nb = verification.executed.get(tut.id)
    nb = copy.deepcopy(nb) if nb is not None else nbformat.read(tut.path, as_version=4)
    stamp = nbformat.v4.new_markdown_cell(banner(rec, download=f"{tut.id}.ipynb"))
    stamp.id = "mlhub-verification"
    nb.cells.insert(1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0, stamp)
    return nbformat.writes(nb)


def _parts_cell(rec: Record | None) -> str:
    if rec is None or not rec.parts:
        return ""
    counts = {s: sum(p["status"] == s for p in rec.parts) for s in PART_LABEL}
    return ", ".join(f"{n} {PART_LABEL[s].lower()}" for s, n in counts.items() if n)


def _readers(count: PageCount | None, flagged: bool) -> str:
    if count is None or not count.total:
        return ""
    text = f"{count.helped} helped, {count.blocked} blocked"
    return f"**{text}** (repeatedly blocked)" if flagged else text


def status_page(hub: Hub, verification: Verification, feedback: Mapping[str, PageCount] | None = None) -> str:
    here = paths.TUTORIALS
    feedback = feedback or {}
    flagged = set(repeated_blocked(feedback))
    rows, details = [], []
    for tut in hub.tutorials:
        rec = verification.records.get(tut.id)
        services = ", ".join(f"[{s.name}]({md.rel(here, paths.service(s.id))})" for s in hub.services_using(tut.id))
        status = md.badge("verify", rec.status) if rec else md.badge("verify", "unverified")
        page = paths.tutorial(tut.id)
        rows.append([f"[{tut.title}]({md.rel(here, page)})", status, _parts_cell(rec),
                     f"{rec.duration_s:.0f} s" if rec else "", rec.started[:16].replace("T", " ") if rec else "",
                     services, _readers(feedback.get(page), page in flagged)])
        if rec and rec.parts:
            details.append(f"**{tut.title}** ({headline(rec)[1]})\n\n" + "\n".join(
                f"- {PART_MARK[p['status']]} {PART_LABEL[p['status']]}: {p['title']} ({p['detail']})"
                for p in rec.parts))
    passed = sum(1 for t in hub.tutorials if (r := verification.records.get(t.id)) and r.status == "passed")
    return md.page(
        "Tutorials",
        "The golden path, one notebook per step, in reading order; each step reads what the one before "
        "made. Every tutorial is executed against live services (an MLflow tracking server, Kubeflow "
        "Pipelines, and a Kubernetes API: the cluster's, or a local double that checks each object "
        "against the upstream schema). Each part of a page says what it earned: **executed** (it ran), "
        "**validated** (the API accepted the object it would submit; nothing ran on a cluster) or "
        "**not checked**.",
        f"**{passed} of {len(hub.tutorials)} passed.** Times in UTC.",
        md.table(["Tutorial", "Status", "Parts", "Duration", "Last verified", "Services", "Readers"], rows),
        _blocked_note(hub, flagged),
        "## Part by part\n\n" + "\n\n".join(details) if details else "",
    )


def _blocked_note(hub: Hub, flagged: set[str]) -> str:
    names = [t.title for t in hub.tutorials if paths.tutorial(t.id) in flagged]
    if not names:
        return ""
    return (f'!!! warning "Readers are blocked"\n    At least {REPEATED} readers said they were blocked on: '
            + "; ".join(names) + ". The owning SIGs have the details in their channels.")


def render(hub: Hub, verification: Verification | None = None,
           feedback: Mapping[str, PageCount] | None = None) -> dict[str, str]:
    verification = verification or Verification()
    out = {paths.TUTORIALS: status_page(hub, verification, feedback)}
    for tut in hub.tutorials:
        out[paths.tutorial(tut.id)] = notebook(tut, verification)
    return out


HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"#?]+)((?:#[^"]*)?")([^>]*>)')


def rewrite_links(page_html: str, page_src: str, url_of: Callable[[str], str | None], page_url: str) -> str:
    """Links a notebook writes as files (`02-x.ipynb`, `../catalog/katib.md`) pointed at pages'
    URLs, as mkdocs does for Markdown pages; download links stay as they are."""

    def fix(m: re.Match) -> str:
        start, target, tail, rest = m.groups()
        if "://" in target or target.startswith(("/", "mailto:")) or " download" in m.group(0):
            return m.group(0)
        if not target.endswith((".md", ".ipynb")):
            return m.group(0)
        src = posixpath.normpath(posixpath.join(posixpath.dirname(page_src), html.unescape(target)))
        url = url_of(src)
        if url is None:
            return m.group(0)
        rel = posixpath.relpath(url or ".", page_url.rstrip("/") or ".") if page_url else url
        rel = rel + "/" if url.endswith("/") and not rel.endswith("/") else rel
        return f"{start}{html.escape(rel)}{tail}{rest}"

    return HREF.sub(fix, page_html)
