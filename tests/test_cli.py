"""The `mlhub` command as users run it: a real subprocess, exit codes and printed lines."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from . import test_checks as cases
from .conftest import REPO, Copy

LINE = re.compile(r"^[\w./-]+(:[\w.\[\]-]+)?: .+$")


def mlhub(*args: str, cwd=REPO, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MLHUB_")} | (env or {})
    return subprocess.run([sys.executable, "-m", "mlhub", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=120)


def test_validate_on_the_repository_prints_nothing_and_exits_0():
    res = mlhub("validate")
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")


@pytest.mark.parametrize("mutate, expected", [
    (cases.set_service_owner, "catalog/katib.yaml:owner_sig: unknown SIG 'sig-nope'"),
    (cases.bad_person_tz, "community/people.yaml:people[2].tz: unknown time zone 'Asia/Calcuttaa'"),
    (cases.duplicate_rfc_number_same_prefix, "rfcs/0001-twin.md:number: RFC number 1 is also used"),
    (cases.unknown_key, "catalog/notebooks.yaml:matruity: unknown key"),
    (cases.rrule_never_fires, "community/sigs.yaml:sigs[3].meetings[0].rrule: RRULE yields no occurrence"),
    (cases.rrule_secondly, "community/sigs.yaml:sigs[3].meetings[0].rrule: RRULE does not parse: "
     "FREQ=SECONDLY is more often than a meeting repeats"),
    (cases.emptied_service, "catalog/katib.yaml: the file is empty"),
    (cases.deeply_nested_yaml, "catalog/katib.yaml: invalid YAML (line 1, column 24): nested deeper than 20 levels"),
])
def test_validate_on_a_broken_copy_prints_one_line_naming_file_and_field(repo: Copy, mutate, expected):
    mutate(repo)
    res = mlhub("validate", "--root", str(repo.root))
    lines = res.stdout.splitlines()
    assert res.returncode == 1, res
    assert len(lines) == 1 and lines[0].startswith(expected), lines
    assert "Traceback" not in res.stderr


def test_validate_prints_every_error_one_per_line(repo: Copy):
    cases.set_service_owner(repo)
    cases.bad_person_tz(repo)
    cases.unknown_key(repo)
    res = mlhub("validate", "--root", str(repo.root))
    assert res.returncode == 1
    lines = res.stdout.splitlines()
    assert len(lines) == 3 and all(LINE.match(line) for line in lines), lines


def test_validate_json_and_root_from_environment(repo: Copy):
    cases.set_service_owner(repo)
    res = mlhub("validate", "--json", env={"MLHUB_ROOT": str(repo.root)})
    assert res.returncode == 1
    (problem,) = json.loads(res.stdout)
    assert problem["path"] == "catalog/katib.yaml" and problem["check"] == "sigs-exist"


def test_unknown_setting_is_a_usage_error():
    res = mlhub("validate", env={"MLHUB_ROOTT": "/tmp"})
    assert res.returncode == 2 and "MLHUB_ROOTT" in res.stderr and "Traceback" not in res.stderr


def test_help_and_list_checks():
    res = mlhub("--help")
    assert res.returncode == 0 and "validate" in res.stdout and "up" in res.stdout
    res = mlhub("validate", "--list-checks")
    assert "rrules" in res.stdout and "time-zones" in res.stdout


def test_schema_export(tmp_path):
    res = mlhub("schema", "--out", str(tmp_path))
    assert res.returncode == 0
    assert {p.name for p in tmp_path.iterdir()} >= {"sigs.schema.json", "service.schema.json"}


FIX = "set MLHUB_STATE_DIR to a folder this user can write in"


def _read_only(tmp_path) -> Path:
    """An existing folder this process cannot write in. Root ignores permission bits, but not the
    kernel's refusal to create files in /sys."""
    if os.geteuid() == 0:
        return Path("/sys")
    folder = tmp_path / "read-only"
    folder.mkdir(mode=0o500)
    return folder


@pytest.mark.parametrize("case", ["a file", "below a file", "cannot be created", "not writable"])
def test_an_unusable_state_dir_is_one_line_not_a_traceback(tmp_path, case):
    afile = tmp_path / "afile"
    afile.write_text("")
    state, expected = {
        "a file": (afile, f"{afile} is not a folder (it or a parent is a file): {FIX}"),
        "below a file": (afile / "state", f"{afile / 'state'} is not a folder (it or a parent is a file): {FIX}"),
        "cannot be created": (_read_only(tmp_path) / "state", f"{_read_only(tmp_path) / 'state'} cannot be "
                              "created ("),
        "not writable": (_read_only(tmp_path), f"{_read_only(tmp_path)} is not writable ("),
    }[case]
    res = mlhub("outbox", "list", env={"MLHUB_STATE_DIR": str(state)})
    assert res.returncode == 2, res
    assert len(res.stderr.splitlines()) == 1 and res.stdout == "", res
    assert res.stderr.startswith(f"Error: MLHUB_STATE_DIR {expected}") and res.stderr.rstrip().endswith(FIX), res


def test_reading_commands_do_not_need_the_state_dir(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("")
    res = mlhub("validate", env={"MLHUB_STATE_DIR": str(afile)})
    assert (res.returncode, res.stdout, res.stderr) == (0, "", "")


BOT_ENV = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "test-secret"}


@pytest.mark.parametrize("setting, value, expected", [
    ("MLHUB_BOT_PORT", "0", "MLHUB_BOT_PORT must be a port number from 1 to 65535, got '0'"),
    ("MLHUB_BOT_PORT", "65536", "MLHUB_BOT_PORT must be a port number from 1 to 65535, got '65536'"),
    ("MLHUB_BOT_PORT", "http", "MLHUB_BOT_PORT must be a port number from 1 to 65535, got 'http'"),
    ("MLHUB_BOT_DB", "mysql://bot:hunter2@db/bot", "MLHUB_BOT_DB uses 'mysql'; the bot's store runs on "
     "sqlite or postgresql: give a URL like sqlite:///path/bot.sqlite or postgresql+psycopg://user@host/db"),
    ("MLHUB_BOT_DB", "postgresql://bot:hunter2@db:port/bot", "MLHUB_BOT_DB is not a database URL: give one "
     "like sqlite:///path/bot.sqlite or postgresql+psycopg://user@host/db"),
    ("MLHUB_BOT_DB", "bot.sqlite", "MLHUB_BOT_DB is not a database URL: give one like "
     "sqlite:///path/bot.sqlite or postgresql+psycopg://user@host/db"),
])
def test_bad_bot_settings_are_one_line_before_anything_starts(tmp_path, setting, value, expected):
    env = BOT_ENV | {"MLHUB_STATE_DIR": str(tmp_path / "state"), setting: value}
    res = mlhub("bot", env=env)
    assert (res.returncode, res.stdout, res.stderr) == (2, "", f"Error: {expected}\n")
    assert "hunter2" not in res.stderr


def test_the_bot_checks_its_state_dir_too(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("")
    res = mlhub("bot", env=BOT_ENV | {"MLHUB_STATE_DIR": str(afile)})
    assert res.returncode == 2 and res.stderr == (
        f"Error: MLHUB_STATE_DIR {afile} is not a folder (it or a parent is a file): {FIX}\n")
