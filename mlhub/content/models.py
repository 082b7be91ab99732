"""Typed models of the content folders; strict: unknown keys, bad enums and bad dates fail."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    PrivateAttr,
    StringConstraints,
    field_validator,
    model_validator,
)

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
GitHubLogin = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")]
SlackUserId = Annotated[str, StringConstraints(pattern=r"^[UW][A-Z0-9]{2,}$")]
SlackChannel = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,79}$")]
TutorialId = Annotated[str, StringConstraints(pattern=r"^\d{2}-[a-z0-9-]+$")]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class Model(BaseModel):
    """Base of every content model: unknown keys are errors; objects remember their source."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)
    _path: str = PrivateAttr(default="")
    _loc: str = PrivateAttr(default="")

    def at(self, field: str = "") -> tuple[str, str]:
        """(file, field path) of this object or of one of its fields, for error messages."""
        loc = ".".join(p for p in (self._loc, field) if p)
        return self._path, loc


# --- people -----------------------------------------------------------------------------


class Person(Model):
    id: GitHubLogin = Field(description="GitHub login; the id every other file uses.")
    name: Text
    slack_id: SlackUserId = Field(description="Slack user id (U... or W...), not a display name.")
    tz: str = Field(description="IANA time zone, e.g. Europe/Paris.")
    team: Text | None = None


class PeopleFile(Model):
    people: list[Person]


# --- meetings and SIGs ------------------------------------------------------------------


class Meeting(Model):
    """A recurring meeting: local wall-clock start in an IANA zone plus an RFC 5545 RRULE."""

    id: Id
    title: Text
    tz: str
    dtstart: dt.datetime = Field(description="Local wall-clock time of the first occurrence.")
    duration: dt.timedelta = Field(description="ISO 8601 duration, e.g. PT45M.")
    rrule: Text = Field(description="RFC 5545 recurrence rule, e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=TU.")
    exdates: list[dt.date] = Field(default_factory=list, description="Local dates skipped.")
    url: HttpUrl | None = None


class RegistryRoute(Model):
    """Which registered models in the MLflow Model Registry belong to a SIG: by name or by tag."""

    model: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None, description="Glob on the registered model's name, e.g. credit-*.")
    tag: Annotated[str, StringConstraints(pattern=r"^[^=\s]+=[^=]+$")] | None = Field(
        default=None, description="KEY=VALUE a registered model's tags must hold, e.g. team=risk.")

    @model_validator(mode="after")
    def _one(self) -> RegistryRoute:
        if (self.model is None) == (self.tag is None):
            raise ValueError("give exactly one of `model` (a name glob) or `tag` (KEY=VALUE)")
        return self


class SigStatus(StrEnum):
    proposed = "proposed"
    active = "active"
    dormant = "dormant"
    retired = "retired"


class Sig(Model):
    id: Id
    name: Text
    mission: Text
    status: SigStatus
    chairs: list[GitHubLogin] = Field(min_length=1)
    tech_leads: list[GitHubLogin] = Field(default_factory=list)
    rfc_approvers: list[GitHubLogin] = Field(default_factory=list)
    members: list[GitHubLogin] = Field(default_factory=list)
    slack_channel: SlackChannel
    meetings: list[Meeting] = Field(default_factory=list)
    registry: list[RegistryRoute] = Field(default_factory=list)


class SigsFile(Model):
    sigs: list[Sig]


# --- ceremonies ---------------------------------------------------------------------------


class Ceremony(Model):
    name: Text
    purpose: Text
    slack_channel: SlackChannel
    hosts: list[GitHubLogin] = Field(min_length=1)
    meeting: Meeting


class MLSync(Ceremony):
    """The biweekly ML Sync: 15 to 30 minutes, roadmap progress and team updates."""


class CommunitySessions(Ceremony):
    """The ML Community Sessions: demo slots of at most 10 minutes plus 5 of questions."""

    demo_slots: int = Field(ge=1, le=8)
    demo_minutes: int = Field(ge=1, le=10)
    qa_minutes: int = Field(ge=0, le=5)
    recordings_url: HttpUrl | None = None


class CeremoniesFile(Model):
    ml_sync: MLSync
    community_sessions: CommunitySessions


# --- roadmap ------------------------------------------------------------------------------


class RoadmapStatus(StrEnum):
    planned = "planned"
    in_progress = "in-progress"
    done = "done"
    at_risk = "at-risk"
    dropped = "dropped"


class RoadmapItem(Model):
    id: Id
    title: Text
    owner: GitHubLogin
    status: RoadmapStatus
    sig: Id | None = None
    services: list[Id] = Field(default_factory=list)
    notes: str = ""


class Roadmap(Model):
    quarter: Annotated[str, StringConstraints(pattern=r"^\d{4}-Q[1-4]$")]
    scope: Text
    items: list[RoadmapItem]


# --- catalog ------------------------------------------------------------------------------


class Maturity(StrEnum):
    experimental = "experimental"
    alpha = "alpha"
    beta = "beta"
    stable = "stable"
    deprecated = "deprecated"


class Stage(StrEnum):
    """Cluster lifecycle stages a service may be enabled on, least to most critical."""

    sandbox = "sandbox"
    dev = "dev"
    staging = "staging"
    production = "production"


# Which maturity may be enabled on which cluster stage: the catalog's lifecycle rules.
ALLOWED_STAGES: dict[Maturity, tuple[Stage, ...]] = {
    Maturity.experimental: (Stage.sandbox,),
    Maturity.alpha: (Stage.sandbox, Stage.dev),
    Maturity.beta: (Stage.sandbox, Stage.dev, Stage.staging),
    Maturity.stable: (Stage.sandbox, Stage.dev, Stage.staging, Stage.production),
    Maturity.deprecated: (Stage.sandbox, Stage.dev, Stage.staging, Stage.production),
}


class Link(Model):
    title: Text
    url: HttpUrl


class Service(Model):
    id: Id
    name: Text
    summary: Text = Field(description="What the service is for, in one or two sentences.")
    owner_sig: Id
    maturity: Maturity
    since: dt.date = Field(description="Date the service reached its current maturity.")
    stages: list[Stage] = Field(min_length=1)
    docs: list[Link] = Field(default_factory=list)
    tutorials: list[TutorialId] = Field(default_factory=list)


# --- clusters -----------------------------------------------------------------------------


class ClusterService(Model):
    """A platform service enabled on a cluster, and how people and clients reach it there."""

    ui: HttpUrl | None = Field(default=None, description="Web UI a person opens: the MLflow UI, the "
                               "Pipelines UI, the notebook hub.")
    api: HttpUrl | None = Field(default=None, description="What clients are pointed at: the MLflow "
                                "tracking URI, the Pipelines API (KFP_HOST), the model serving domain.")
    health: HttpUrl | None = Field(default=None, description="URL that answers HTTP 200 when the "
                                   "service is up; `mlhub clusters check` probes it.")
    note: Text | None = Field(default=None, description="How it runs there, when not obvious.")

    @field_validator("ui", "api", "health")
    @classmethod
    def _public(cls, url: HttpUrl | None) -> HttpUrl | None:
        # Content is committed and shown to every reader: credentials belong in the environment.
        if url is not None and (url.username or url.password or "token" in (url.query or "").lower()):
            raise ValueError("the URL carries credentials; keep them out of content files (readers "
                             "get them from the environment)")
        return url


class Cluster(Model):
    """One cluster of the platform: where it is, who runs it, and which services it has."""

    name: Id = Field(description="Equal to the file name clusters/NAME.yaml.")
    stage: Stage
    region: Text
    team: Text = Field(description="The team that runs the cluster.")
    description: Text | None = None
    teams: list[Text] = Field(default_factory=list, description="Teams that work on this cluster; "
                              "their members see it first.")
    services: dict[Id, ClusterService] = Field(min_length=1, description="Catalog id of each platform "
                                               "service enabled on the cluster, with its endpoints.")


# --- RFCs and demos (front matter of Markdown files) ----------------------------------------


class RfcStatus(StrEnum):
    draft = "draft"
    review = "review"
    fcp = "fcp"
    accepted = "accepted"
    rejected = "rejected"
    postponed = "postponed"
    implemented = "implemented"
    superseded = "superseded"
    deprecated = "deprecated"
    withdrawn = "withdrawn"


class Record(Model):
    """A Markdown file whose YAML front matter is the model; the body and file stem are kept."""

    _slug: str = PrivateAttr(default="")
    _body: str = PrivateAttr(default="")

    @property
    def slug(self) -> str:
        return self._slug

    @property
    def body(self) -> str:
        return self._body


class RfcType(StrEnum):
    decision = "decision"
    standard = "standard"
    process = "process"
    informational = "informational"


class Disposition(StrEnum):
    accept = "accept"
    reject = "reject"
    postpone = "postpone"


class Concern(Model):
    """A named concern raised during review or FCP; a blocking one stops the FCP clock."""

    name: Id
    by: GitHubLogin
    raised: dt.date
    resolved: dt.date | None = None
    blocking: bool = True


class Decision(Model):
    disposition: Disposition
    chosen_option: Id | None = None
    fcp_start: dt.datetime | None = None
    fcp_end: dt.datetime | None = None
    signoffs: list[GitHubLogin] = Field(default_factory=list)
    concerns: list[Concern] = Field(default_factory=list)
    decided: dt.date | None = None
    summary: Text | None = None


class Discussion(Model):
    pull_request: HttpUrl | None = None
    slack_thread: HttpUrl | None = None
    meetings: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+/\d{4}-\d{2}-\d{2}$")]] = Field(
        default_factory=list, description="Meetings where it was discussed, as CALENDAR/YYYY-MM-DD.")


class Affects(Model):
    service: Id
    maturity: Maturity = Field(description="The maturity the decision targets for the service.")


class Rfc(Record):
    number: int = Field(ge=1, le=9999)
    title: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    status: RfcStatus
    type: RfcType
    owning_sig: Id
    participating_sigs: list[Id] = Field(default_factory=list)
    authors: list[GitHubLogin] = Field(min_length=1)
    shepherd: GitHubLogin | None = None
    created: dt.date
    updated: dt.date | None = None
    options: list[Id] = Field(default_factory=list)
    discussion: Discussion = Field(default_factory=Discussion)
    decision: Decision | None = None
    affects: list[Affects] = Field(default_factory=list)
    review_by: dt.date | None = None
    supersedes: list[int] = Field(default_factory=list)
    superseded_by: list[int] = Field(default_factory=list)


NOTEBOOK_NAME = r"^[a-z0-9][a-z0-9-]*\.ipynb$"  # a file in demos/, never a path


class Demo(Record):
    title: Text
    date: dt.date
    presenters: list[GitHubLogin] = Field(min_length=1)
    team: Text
    tools: list[Text] = Field(min_length=1, description="Tools or platforms shown.")
    recording: HttpUrl | None = None
    links: list[Link] = Field(default_factory=list, description="Notebooks or repositories.")
    services: list[Id] = Field(default_factory=list)
    notebook: Annotated[str, StringConstraints(pattern=NOTEBOOK_NAME)] | None = Field(
        default=None, description="A notebook in demos/ that people can run; verified like the tutorials.")


# --- requests -----------------------------------------------------------------------------


class RequestStatus(StrEnum):
    """Where a community request stands; the moves between them live in mlhub.requests.status."""

    open = "open"
    planned = "planned"
    declined = "declined"
    done = "done"


class Tally(Model):
    """The published support of a request: who supports it and which teams, each counted once."""

    supporters: list[GitHubLogin] = Field(default_factory=list, description="People ids of the "
                                          "supporters, sorted; the bot publishes them from its votes.")
    teams: list[Text] = Field(default_factory=list, description="The supporters' teams, each once, sorted.")
    updated: dt.date | None = Field(default=None, description="When the bot last published the tally.")


class Request(Model):
    """A community request for the platform: requests/ID.yaml."""

    id: Id = Field(description="Equal to the file name requests/ID.yaml.")
    title: Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
    problem: Annotated[str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True)] = Field(
        description="The problem to solve, in the requester's words (not a solution).")
    team: Text = Field(description="The requesting team, as people.yaml spells it.")
    requested_by: GitHubLogin
    services: list[Id] = Field(default_factory=list, description="Catalog ids of the services it touches.")
    sig: Id = Field(description="The SIG that owns the answer.")
    status: RequestStatus
    reason: Text | None = Field(default=None, description="Why it was declined (required when declined).")
    roadmap_item: Id | None = Field(default=None, description="The roadmap item that answers it "
                                    "(required when planned).")
    rfc: int | None = Field(default=None, ge=1, le=9999, description="Number of the RFC about it.")
    duplicate_of: Id | None = Field(default=None, description="The request this one was merged into.")
    created: dt.date
    tally: Tally = Field(default_factory=Tally)


# Every content file kind, for JSON Schema export and the reference docs.
SCHEMAS: dict[str, type[Model]] = {
    "people": PeopleFile,
    "sigs": SigsFile,
    "ceremonies": CeremoniesFile,
    "roadmap": Roadmap,
    "service": Service,
    "rfc": Rfc,
    "demo": Demo,
    "cluster": Cluster,
    "request": Request,
}
