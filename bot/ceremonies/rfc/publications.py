"""The RFC process's two kinds of publication in the outbox: a filing (a free number claimed as
branch rfc/NNNN, then its pull request; the filing recorded in the bot's store, which `/rfc ready`
and the FCP read) and an edit of a filed RFC's front matter on its branch (status changes)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.channels import unsure
from bot.mrkdwn import link
from bot.publishing import Desk, Kind, Telling, register_kind
from mlhub.publish import Journal, Progress, Published, PublishError
from mlhub.publish.outbox import Entry
from mlhub.rfc import edit, filing


def _file(desk: Desk, entry: Entry, journal: Journal, progress: Progress) -> Published:
    return filing.publish_entry(desk.root, desk.hub(), desk.publisher, desk.outbox, entry, journal, progress)


def _record_filing(desk: Desk, entry: Entry, out: Published) -> None:
    result, number = entry.journal["result"], int(entry.journal["number"])
    text = result.get("text") or desk.publisher.read_file(result["branch"], result["path"], progress=lambda _: None)
    person = desk.hub().person(entry.payload["author"])
    desk.store.add_filing(number, result["branch"], result["path"], result["url"],
                          person.slack_id if person else entry.payload["author"], entry.id, text)


def _announce_filing(deps, client, entry: Entry, telling: Telling) -> None:
    """The author hears the filed RFC's pull request (once, whoever filed it: bot.publishing; the DM
    carries the announcement's key, so that a later announcer finds it instead of repeating it)."""
    person = deps.hub().person(entry.payload["author"])
    if person is None:
        return
    number, pull, result = int(entry.journal["number"]), entry.journal.get("pull") or {}, entry.journal["result"]
    where = link(pull["url"], f"pull request #{pull['number']}") if pull.get("url") else f"branch `{result['branch']}`"
    try:
        deps.channels.dm_claimed(client, telling.key, person.slack_id, f"RFC {number:04d} is filed: {where}.",
                                 since=telling.since)
    except SlackApiError as exc:  # a closed DM: the pull request is there all the same
        if unsure(exc):
            raise
        logging.getLogger("mlhub.bot.rfc").warning("could not tell %s about RFC %04d: %s", person.id, number,
                                                   exc.response.get("error"))


def _commit_edit(desk: Desk, entry: Entry, journal: Journal, progress: Progress) -> Published:
    number = entry.payload["number"]
    filed = desk.store.filing(number)
    if filed is None:
        raise PublishError(f"RFC {number:04d} was not filed through the bot; edit it on its pull request")
    text = desk.publisher.read_file(filed["branch"], filed["path"], progress=progress)
    if text is None:
        raise PublishError(f"RFC {number:04d}'s file is missing from branch {filed['branch']}")
    new = edit.update(text, **entry.payload["fields"])
    desk.publisher.update_file(filed["branch"], filed["path"], new, entry.payload["message"], progress=progress)
    desk.store.set_filing_text(number, new)
    return Published(filed["branch"], filed["url"], None, f"committed on branch {filed['branch']}")


FILING = register_kind(Kind("rfc", lambda e: f"The RFC {e.payload['title']!r}", "",
                       publish=_file, record=_record_filing, announce=_announce_filing))
EDIT = register_kind(Kind("rfc-edit", lambda e: f"{e.payload['message']}", "`/rfc` command on this RFC",
                          publish=_commit_edit, sequence=lambda e: f"rfc-{e.payload['number']}"))
