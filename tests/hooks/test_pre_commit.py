"""The pre-commit hook, with the real `pre-commit`: a poor client update blocks the commit, a good one is committed,
and files outside the hook's `files` pattern are not reviewed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from gitrepo import Repo
from hooks_support import GOOD, POOR

from tests.conftest import ROOT

yaml = pytest.importorskip("yaml")  # pre-commit depends on PyYAML
PRE_COMMIT = str(Path(sys.executable).with_name("pre-commit"))


def manifest_hook() -> dict[str, Any]:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return dict(hook)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "repo", tmp_path)
    repo.env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    return repo


def test_the_manifest_runs_candor_check_in_line_format() -> None:
    hook = manifest_hook()
    assert hook["id"] == "candor" and hook["language"] == "python"
    assert hook["entry"].split()[:2] == ["candor", "check"] and "--format line" in hook["entry"]


def test_a_poor_update_blocks_the_commit_and_a_good_one_passes(repo: Repo) -> None:
    # repo: local with the manifest's own entry and file pattern; `system` runs the candor installed with the tests
    # (the manifest's `python` install is exercised by try-repo below).
    hook = manifest_hook() | {"language": "system"}
    config = {"repos": [{"repo": "local", "hooks": [hook]}]}
    (repo.root / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    repo.git("add", ".pre-commit-config.yaml")
    repo.git("commit", "-q", "-m", "pre-commit config", "--no-verify")
    assert repo.run(PRE_COMMIT, "install").returncode == 0

    (repo.root / "updates").mkdir()
    (repo.root / "updates/2025-06-launch.md").write_text(POOR)
    repo.git("add", "updates/2025-06-launch.md")
    blocked = repo.git("commit", "-m", "Launch update", check=False)
    assert blocked.returncode != 0
    assert "updates/2025-06-launch.md:3:20: error blame-client:" in blocked.stdout + blocked.stderr
    assert repo.git("rev-list", "--count", "HEAD").stdout.strip() == "1"  # nothing was committed

    (repo.root / "updates/2025-06-launch.md").write_text(GOOD)
    (repo.root / "README.md").write_text(POOR)  # not under updates/: not a client message, not reviewed
    repo.git("add", "updates/2025-06-launch.md", "README.md")
    passed = repo.git("commit", "-m", "Launch update", check=False)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert repo.git("rev-list", "--count", "HEAD").stdout.strip() == "2"


def snapshot_of_this_checkout(tmp_path: Path) -> Path:
    """This checkout as one commit, new files included (try-repo sees only what git tracks)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    snapshot = Repo(tmp_path / "candor-snapshot", tmp_path)
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (snapshot.root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot.root / name)
    snapshot.git("add", "-A")
    snapshot.git("commit", "-q", "-m", "snapshot")
    return snapshot.root


def test_try_repo_installs_the_hook_from_the_manifest(repo: Repo, tmp_path: Path) -> None:
    (repo.root / "updates").mkdir()
    (repo.root / "updates/poor.txt").write_text(POOR)
    (repo.root / "updates/good.txt").write_text(GOOD)
    repo.git("add", "updates")
    done = repo.run(PRE_COMMIT, "try-repo", str(snapshot_of_this_checkout(tmp_path)), "candor", "--all-files")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "updates/poor.txt:3:20: error blame-client:" in output
    good = [line for line in output.splitlines() if line.startswith("updates/good.txt:1:1: ")]
    assert len(good) == 1 and good[0].endswith("passes the gate") and " verdict: " in good[0]
