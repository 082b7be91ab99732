"""One module per ceremony, each exposing register(app, deps) and the Slack surfaces it uses
(COMMANDS, ACTIONS, VIEWS, EVENTS), which the manifest test checks against bot/manifest.yml."""

from bot.ceremonies import home, mlsync, registry, rfc, sessions, sigs

MODULES = [rfc, mlsync, sessions, sigs, home, registry]
