"""The `mlhub` command as users run it: a real subprocess, exit codes and printed lines."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

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
