"""One package or module per ceremony, each exposing register(app, deps) and the Slack surfaces it
uses (COMMAND, ACTIONS, VIEWS, SHORTCUTS, EVENTS), which the manifest is generated from and checked
against; register() also adds the ceremony's timed posts and per-tick work to deps.jobs."""

from bot.ceremonies import home, mlsync, registry, rfc, sessions, sigs

MODULES = [rfc, mlsync, sessions, sigs, home, registry]


def commands() -> list[str]:
    return [m.COMMAND for m in MODULES if m.COMMAND]


def surfaces(name: str) -> list[str]:
    return [x for m in MODULES for x in getattr(m, name)]
