"""The bot store's tables as they stand after the newest migration: only live state (processed
events, final comment periods, filings, polls, jobs, caches of Slack ids and zones); the
repository stays the record. Migrations in migrations/versions/ build them step by step."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Float, Index, Integer, MetaData, String, Table, Text

from mlhub.publish.outbox import outbox as _outbox

metadata = MetaData()

events = Table(
    "events", metadata,
    Column("event_id", String(64), primary_key=True),
    Column("received", DateTime(timezone=True), nullable=False),
)
fcps = Table(
    "fcps", metadata,
    Column("rfc", Integer, primary_key=True),
    Column("data", Text, nullable=False),  # mlhub.rfc.fcp.to_json
    Column("channel", String(32)),  # the live-state message
    Column("message_ts", String(32)),
    Column("updated", DateTime(timezone=True), nullable=False),
    Column("decided_on", String(10)),  # the SIG's local date the clock ran out
    Column("announced", Boolean, nullable=False, server_default="0"),
)
filings = Table(
    "rfc_filings", metadata,
    Column("number", Integer, primary_key=True),
    Column("branch", String(128), nullable=False),
    Column("path", String(256), nullable=False),
    Column("url", String(512)),
    Column("filed_by", String(64), nullable=False),
    Column("outbox_id", String(36)),
    Column("text", Text),  # the file as the bot last read or wrote it on the branch
)
registry_events = Table(
    "registry_events", metadata,
    Column("delivery_id", String(64), primary_key=True),
    Column("event", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("channel", String(80), nullable=False),
    Column("text", Text, nullable=False),
    Column("notified", Boolean, nullable=False, default=False),  # posted (posted_ts says where)
    Column("received", DateTime(timezone=True), nullable=False),
    Column("owner", String(80)),  # the process posting it, until lease_until
    Column("lease_until", DateTime(timezone=True)),
    Column("posted_ts", String(32)),
)
agenda_items = Table(
    "agenda_items", metadata,
    Column("key", String(128), primary_key=True),  # idempotency: one item per source event
    Column("ceremony", String(32), nullable=False),
    Column("meeting_date", String(10), nullable=False),  # the occurrence it is for, local date
    Column("source", String(32), nullable=False),
    Column("text", Text, nullable=False),  # plain text, never Slack markup
    Column("created", DateTime(timezone=True), nullable=False),
    Column("link", String(512)),  # the Slack message it came from (chat.getPermalink)
)
jobs = Table(
    "jobs", metadata,
    Column("key", String(160), primary_key=True),  # calendar:occurrence:action, unique per firing
    Column("calendar", String(64), nullable=False),
    Column("occurrence", String(32), nullable=False),  # the meeting's start, ISO UTC
    Column("action", String(32), nullable=False),
    Column("due", DateTime(timezone=True), nullable=False),
    Column("state", String(16), nullable=False),  # bot.jobs.JobState
    Column("fired", DateTime(timezone=True)),
    Column("late_s", Integer),
    Column("owner", String(80)),  # the process firing it, until lease_until; then anyone may take it over
    Column("lease_until", DateTime(timezone=True)),
    Column("posted_ts", String(32)),
)
snapshots = Table(
    "snapshots", metadata,
    Column("key", String(64), primary_key=True),
    Column("data", Text, nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
)
demos = Table(
    "demo_proposals", metadata,
    Column("id", String(36), primary_key=True),
    Column("data", Text, nullable=False),  # the Proposal as JSON
    Column("updated", DateTime(timezone=True), nullable=False),
)
notes = Table(
    "minutes_notes", metadata,
    Column("id", String(36), primary_key=True),
    Column("meeting_date", String(10), nullable=False),
    Column("kind", String(16), nullable=False),  # decision | action
    Column("text", Text, nullable=False),
    Column("by", String(64), nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
)
polls = Table(
    "sig_polls", metadata,
    Column("sig", String(64), primary_key=True),
    Column("data", Text, nullable=False),  # {"slots": [[weekday, minute]], "sizes": [..], "votes": {n: [ids]}}
    Column("updated", DateTime(timezone=True), nullable=False),
    Column("requested", DateTime(timezone=True)),  # a chair asked for a poll that is not posted yet
    Column("channel", String(32)),  # the poll message
    Column("message_ts", String(32)),
)
slack_users = Table(
    "slack_users", metadata,
    Column("user_id", String(32), primary_key=True),
    Column("tz", String(64)),  # the zone in the person's Slack profile
    Column("fetched", DateTime(timezone=True), nullable=False),
)
channels = Table(
    "slack_channels", metadata,
    Column("name", String(80), primary_key=True),  # as content names it (sigs.yaml, ceremonies.yaml)
    Column("channel_id", String(32), nullable=False),  # resolved once; stays valid across renames
    Column("resolved", DateTime(timezone=True), nullable=False),
)
requests = Table(
    "requests", metadata,
    Column("key", String(80), primary_key=True),  # derived from what Slack delivered (bot.delivery)
    Column("answer", Text),  # the first answer, JSON; a redelivery gets it again
    Column("created", DateTime(timezone=True), nullable=False),
)
claims = Table(
    "claims", metadata,
    Column("key", String(160), primary_key=True),  # one effect outside the store, e.g. fcp-end:103
    Column("owner", String(80)),  # who is making it, until lease_until
    Column("lease_until", DateTime(timezone=True)),
    Column("done", Boolean, nullable=False, server_default="0"),
    Column("result", String(64)),  # what it left, e.g. the Slack message's ts
    Column("claimed", DateTime(timezone=True)),  # first taken: a later owner looks for a post from then on
)
outbox = _outbox.to_metadata(metadata)  # the publish requests (mlhub.publish.outbox owns their queries)
Index("outbox_by_state", outbox.c.state, outbox.c.kind)
request_votes = Table(
    "request_votes", metadata,
    # the key is the vote: one per person and request, however many replicas insert it at once
    Column("request_id", String(64), primary_key=True),
    Column("person", String(64), primary_key=True),  # people.yaml id
    Column("team", String(120), nullable=False),  # the team counted for this vote
    Column("slack_user", String(32), nullable=False),  # who hears about the request's changes
    Column("voted", DateTime(timezone=True), nullable=False),
)
feedback = Table(
    "feedback", metadata,
    Column("id", String(36), primary_key=True),
    Column("page", String(256), nullable=False),  # source path of a built page, e.g. catalog/katib.md
    Column("helped", Boolean, nullable=False),
    Column("blocked", Text, nullable=False),  # plain text, HTML removed; escaped wherever it is shown
    Column("channel", String(80), nullable=False),  # the owning SIG's channel name
    Column("posted", Boolean, nullable=False, server_default="0"),
    Column("received", DateTime(timezone=True), nullable=False),
)
feedback_limits = Table(
    "feedback_limits", metadata,
    Column("address", String(64), primary_key=True),  # a digest of the sender's address
    Column("tokens", Float, nullable=False),  # what its bucket held at `at`
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("feedback_limits_at", feedback_limits.c.at)
