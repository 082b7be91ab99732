"""One package or module per ceremony, each exposing register(app, deps) and the Slack surfaces it
uses (COMMAND, ACTIONS, VIEWS, SHORTCUTS, EVENTS), which the manifest is generated from and checked
against; register() also adds the ceremony's timed posts and per-tick work to deps.jobs."""

from bot.ceremonies import feedback, home, mlsync, platform, registry, requests, rfc, sessions, sigs

MODULES = [rfc, mlsync, sessions, sigs, platform, home, registry, requests, feedback]


def routes(app, deps) -> dict:
    """The HTTP routes besides Slack's, of every module that has some (MLflow webhooks, feedback)."""
    out: dict = {}
    for module in MODULES:
        if hasattr(module, "routes"):
            out |= module.routes(app, deps)
    return out


def commands() -> list[str]:
    return [m.COMMAND for m in MODULES if m.COMMAND]


def surfaces(name: str) -> list[str]:
    return [x for m in MODULES for x in getattr(m, name)]
