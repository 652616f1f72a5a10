"""`scripts/run` and `scripts/test` work from any folder: paths are the caller's, not the checkout's; and the TUI
never suggests saving a new draft inside the checkout."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tui.files import candor_checkout, suggested_save_path

BLAMING = "Hi Ana, it slipped because your team didn't send the content on time. We'll get to it ASAP."
MEH = "Hi Ana, the report is late. We will send it soon."


def test_scripts_run_takes_paths_and_the_project_config_from_the_callers_folder(tmp_path: Path) -> None:
    (tmp_path / "draft.txt").write_text(BLAMING, encoding="utf-8")
    (tmp_path / "meh.txt").write_text(MEH, encoding="utf-8")
    run = [str(ROOT / "scripts/run"), "check"]
    result = subprocess.run([*run, "draft.txt", "--format", "json"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["verdict"] == "block"
    assert subprocess.run([*run, "meh.txt"], cwd=tmp_path, capture_output=True).returncode == 0
    (tmp_path / "candor.toml").write_text('fail_on = "revise"\n', encoding="utf-8")  # found from the caller's folder
    assert subprocess.run([*run, "meh.txt"], cwd=tmp_path, capture_output=True).returncode == 1
    missing = subprocess.run([*run, "nope.txt"], cwd=tmp_path, capture_output=True, text=True)
    assert missing.returncode == 2 and missing.stderr == "candor: error: nope.txt: no such file\n"


def test_scripts_test_takes_test_paths_relative_to_the_callers_folder() -> None:
    # --collect-only: run the script's real argument handling and checks without running the suite inside itself.
    result = subprocess.run(
        [str(ROOT / "scripts/test"), "--collect-only", "-q", "test_sources.py", "-k", "tui or exit_policy"],
        cwd=ROOT / "tests",
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    collected = [line for line in result.stdout.splitlines() if "::" in line]
    assert collected == ["tests/test_sources.py::test_exit_policy_turns_verdicts_and_errors_into_the_documented_codes"]


def test_a_new_draft_is_never_suggested_inside_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert candor_checkout() == ROOT
    assert suggested_save_path(None, cwd=ROOT) == tmp_path / "home" / "draft.txt"
    assert suggested_save_path(None, cwd=ROOT / "tests") == tmp_path / "home" / "draft.txt"
    assert suggested_save_path(None, cwd=tmp_path) == tmp_path.resolve() / "draft.txt"
    assert suggested_save_path(tmp_path / "reply.eml") == tmp_path / "reply.candor.txt"
