"""The Hub: every piece of validated content, with the lookups the consumers need."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mlhub.content.models import (
    CeremoniesFile,
    Cluster,
    Demo,
    Meeting,
    Person,
    Request,
    RequestStatus,
    Rfc,
    Roadmap,
    Service,
    Sig,
)


@dataclass(frozen=True)
class Tutorial:
    """A golden-path notebook in tutorials/: its id (file stem), title (first heading) and path."""

    id: str
    title: str
    path: Path
    has_outputs: bool = False  # committed notebooks stay clean: verification keeps executed copies


@dataclass
class Hub:
    root: Path
    people: list[Person] = field(default_factory=list)
    sigs: list[Sig] = field(default_factory=list)
    ceremonies: CeremoniesFile | None = None
    roadmap: Roadmap | None = None
    services: list[Service] = field(default_factory=list)
    rfcs: list[Rfc] = field(default_factory=list)
    demos: list[Demo] = field(default_factory=list)
    tutorials: list[Tutorial] = field(default_factory=list)
    minutes: list[str] = field(default_factory=list)  # dates of the ML Sync minutes in docs/ml-sync/
    clusters: list[Cluster] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    # Ids of entries that exist but failed their schema: references to them are not reported
    # again as unknown, so one typo gives one error, not a cascade.
    unloaded: dict[str, set[str]] = field(
        default_factory=lambda: {"person": set(), "sig": set(), "service": set(), "rfc": set(), "cluster": set(),
                                 "request": set()}
    )

    # Lookups. On content with duplicate ids (which validation reports) the first one wins.
    def person(self, pid: str) -> Person | None:
        return next((p for p in self.people if p.id == pid), None)

    def sig(self, sid: str) -> Sig | None:
        return next((s for s in self.sigs if s.id == sid), None)

    def service(self, sid: str) -> Service | None:
        return next((s for s in self.services if s.id == sid), None)

    def rfc(self, number: int) -> Rfc | None:
        return next((r for r in self.rfcs if r.number == number), None)

    def tutorial(self, tid: str) -> Tutorial | None:
        return next((t for t in self.tutorials if t.id == tid), None)

    def services_using(self, tid: str) -> list[Service]:
        return [s for s in self.services if tid in s.tutorials]

    def services_of(self, sig_id: str) -> list[Service]:
        """Services a SIG owns; the catalog's owner_sig is the one place this is written."""
        return [s for s in self.services if s.owner_sig == sig_id]

    def cluster(self, name: str) -> Cluster | None:
        return next((c for c in self.clusters if c.name == name), None)

    def clusters_running(self, service_id: str) -> list[Cluster]:
        """Clusters a service is enabled on, least to most critical stage; clusters/ says so."""
        return [c for c in self.clusters if service_id in c.services]

    def rfcs_of(self, sig_id: str) -> list[Rfc]:
        return [r for r in self.rfcs if sig_id == r.owning_sig or sig_id in r.participating_sigs]

    def demos_of(self, service_id: str) -> list[Demo]:
        return [d for d in self.demos if service_id in d.services]

    def request(self, rid: str) -> Request | None:
        return next((r for r in self.requests if r.id == rid), None)

    def open_requests_for(self, service_id: str) -> list[Request]:
        return [r for r in self.requests if r.status is RequestStatus.open and service_id in r.services]

    def requests_answered_by(self, item_id: str) -> list[Request]:
        """Requests a roadmap item answers; the request's roadmap_item is the one place it is written."""
        return [r for r in self.requests if r.roadmap_item == item_id]

    def teams(self) -> set[str]:
        """The teams people.yaml names."""
        return {p.team for p in self.people if p.team}

    def meetings(self) -> list[tuple[str, Meeting]]:
        """Every recurring meeting with the calendar it belongs to (a SIG id or a ceremony)."""
        out: list[tuple[str, Meeting]] = []
        if self.ceremonies:
            out.append(("ml-sync", self.ceremonies.ml_sync.meeting))
            out.append(("community-sessions", self.ceremonies.community_sessions.meeting))
        for sig in self.sigs:
            out.extend((sig.id, m) for m in sig.meetings)
        return out
