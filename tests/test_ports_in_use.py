"""A port a command binds that another process holds: one line naming the port and its setting,
exit 2, no traceback, nothing started (the bot, the site server, `mlhub up`)."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from .conftest import REPO


@pytest.fixture
def held_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


@pytest.mark.parametrize(("args", "setting"), [(["bot"], "MLHUB_BOT_PORT"), (["site", "serve"], "MLHUB_SITE_ADDR"),
                                               (["up", "--no-verify"], "MLHUB_SITE_ADDR")])
def test_a_port_in_use_is_one_line_and_exit_2(tmp_path, held_port, args, setting):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "MLHUB_ROOT": str(REPO),
           "MLHUB_STATE_DIR": str(tmp_path / "state"), "SLACK_BOT_TOKEN": "xoxb-x", "SLACK_SIGNING_SECRET": "s",
           "MLHUB_BOT_PORT": str(held_port), "MLHUB_SITE_ADDR": f"127.0.0.1:{held_port}"}
    res = subprocess.run([sys.executable, "-m", "mlhub", *args], env=env, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 2, res.stderr
    assert res.stderr.splitlines() == [f"Error: port {held_port} on 127.0.0.1 ({setting}) is in use by another "
                                       "process; stop that process, or set the setting to a free port"]
    assert "mlhub: starting" not in res.stdout  # nothing was started before the check
