"""`candor hook install sendemail-validate`, tested with the real `git send-email --dry-run` in a real repository:
a poor cover letter or commit message stops the send, a good one goes through, and the diff is never reviewed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from gitrepo import Repo
from hooks_support import CANDOR, GOOD, POOR

from reviewer.githooks import MARK


def _send_email_missing() -> str | None:
    if shutil.which("git") is None:
        return "git is not installed"
    exec_path = subprocess.run(["git", "--exec-path"], capture_output=True, text=True).stdout.strip()
    if not (Path(exec_path) / "git-send-email").exists():
        return "git send-email is not installed (Debian's git-email; scripts/test installs it when it can)"
    return None


needs_send_email = pytest.mark.skipif(_send_email_missing() is not None, reason=str(_send_email_missing()))

GOOD_MESSAGE = "Fix the export for the launch\n\n" + GOOD
POOR_MESSAGE = "Fix the export for the launch\n\n" + POOR


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "repo", tmp_path)
    repo.commit("README", "project\n", "Start")
    return repo


def install(repo: Repo, *extra: str) -> subprocess.CompletedProcess[str]:
    return repo.run(CANDOR, "hook", "install", "sendemail-validate", *extra)


def patches(repo: Repo, message: str, *, cover: str | None = None) -> list[str]:
    """One commit whose diff is a poor draft (never to be reviewed), as patch files; with a cover letter if given."""
    repo.commit("updates/draft.txt", POOR, message)
    args = ["format-patch", "-q", "-1", "-o", "out"] + (["--cover-letter"] if cover is not None else [])
    repo.git(*args)
    files = sorted(str(p.relative_to(repo.root)) for p in (repo.root / "out").glob("*.patch"))
    if cover is not None:
        letter = repo.root / files[0]
        text = letter.read_text().replace("*** SUBJECT HERE ***", "The export fix")
        letter.write_text(text.replace("*** BLURB HERE ***", cover))
    return files


def send(repo: Repo, files: list[str]) -> subprocess.CompletedProcess[str]:
    return repo.run(
        "git",
        "send-email",
        "--dry-run",
        "--confirm=never",
        "--smtp-server=/bin/true",
        "--from=sam@example.com",
        "--to=ana@example.com",
        *files,
    )


@needs_send_email
def test_a_poor_cover_letter_stops_the_send(repo: Repo) -> None:
    assert install(repo).returncode == 0
    done = send(repo, patches(repo, GOOD_MESSAGE, cover=POOR))
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "rejected by sendemail-validate hook" in output and "blame-client" in output
    assert "Dry-OK" not in output and "no patches were sent" in output


@needs_send_email
def test_a_good_cover_letter_and_message_go_through_though_the_diff_is_poor(repo: Repo) -> None:
    assert install(repo).returncode == 0
    files = patches(repo, GOOD_MESSAGE, cover=GOOD)
    done = send(repo, files)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert output.count("Dry-OK") == len(files) == 2
    assert "blame-client" not in output  # the poor text in the diff was never reviewed
    # A pass is one line per mail, not a whole review each (a long series would bury send-email's own output).
    assert output.count("passes the gate") == 2 and "Transparency" not in output, output


@needs_send_email
def test_a_poor_commit_message_stops_the_send(repo: Repo) -> None:
    assert install(repo).returncode == 0
    done = send(repo, patches(repo, POOR_MESSAGE))
    assert done.returncode != 0 and "rejected by sendemail-validate hook" in done.stderr
    assert "blame-client" in done.stdout + done.stderr


@needs_send_email
def test_an_unfinished_cover_letter_stops_the_send(repo: Repo) -> None:
    assert install(repo).returncode == 0
    repo.commit("updates/a.txt", "a\n", GOOD_MESSAGE)
    repo.git("format-patch", "-q", "-1", "--cover-letter", "-o", "out")
    files = sorted(str(p.relative_to(repo.root)) for p in (repo.root / "out").glob("*.patch"))
    done = send(repo, files)
    assert done.returncode != 0 and "Dry-OK" not in done.stdout
    assert "BLURB HERE" in done.stderr and "rejected by sendemail-validate hook" in done.stderr


def test_run_reviews_the_message_not_the_diff_and_skips_a_bodiless_patch(repo: Repo) -> None:
    [patch] = patches(repo, "Add the draft")  # no body: nothing a person wrote beyond the subject
    done = repo.run(CANDOR, "hook", "run", "sendemail-validate", patch, "--format", "line")
    assert done.returncode == 0 and "nothing to review" in done.stderr and done.stdout == ""


def test_line_positions_point_into_the_patch_file(repo: Repo) -> None:
    [patch] = patches(repo, POOR_MESSAGE)
    done = repo.run(CANDOR, "hook", "run", "sendemail-validate", patch, "--format", "line")
    assert done.returncode == 1
    blame = next(line for line in done.stdout.splitlines() if " blame-client: " in line)
    _, line, col, _ = blame.split(":", 3)
    text = (repo.root / patch).read_text().split("\n")
    assert text[int(line) - 1][int(col) - 1 :].startswith("because your team failed")


def test_install_prints_refuses_a_foreign_hook_and_honours_hooks_path(repo: Repo) -> None:
    printed = install(repo, "--print")
    assert printed.returncode == 0 and printed.stdout.startswith("#!/bin/sh") and MARK in printed.stdout
    assert not (repo.root / ".git/hooks/sendemail-validate").exists()

    foreign = repo.root / ".git/hooks/sendemail-validate"
    foreign.write_text("#!/bin/sh\nexit 0\n")
    refused = install(repo)
    assert refused.returncode == 2 and "--force" in refused.stderr and foreign.read_text() == "#!/bin/sh\nexit 0\n"
    assert install(repo, "--force").returncode == 0 and MARK in foreign.read_text()
    assert install(repo).returncode == 0  # its own hook is replaced without --force

    repo.git("config", "core.hooksPath", "githooks")
    assert install(repo).returncode == 0
    installed = repo.root / "githooks/sendemail-validate"
    assert installed.stat().st_mode & 0o111 and MARK in installed.read_text()


def test_install_outside_a_repository_is_one_line_and_exit_2(tmp_path: Path, repo: Repo) -> None:
    outside = tmp_path / "not-a-repo"
    outside.mkdir()
    done = subprocess.run(
        [CANDOR, "hook", "install", "sendemail-validate"],
        cwd=outside,
        env=repo.env | {"GIT_CEILING_DIRECTORIES": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "not inside a git repository" in done.stderr


def test_a_large_diff_is_not_a_reason_to_stop_a_good_patch(repo: Repo) -> None:
    repo.commit("data/export.csv", "date,rows\n" + "2025-06-01,12\n" * 250_000, GOOD_MESSAGE)
    repo.git("format-patch", "-q", "-1", "-o", "out")
    [patch] = sorted((repo.root / "out").glob("*.patch"))
    assert patch.stat().st_size > 2_000_000  # over max_input_bytes
    done = repo.run(CANDOR, "hook", "run", "sendemail-validate", str(patch), "--format", "line")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].endswith("passes the gate")
