"""Issue 13, item 26: every file Candor writes for a user is written whole or not at all (temp file + rename; for
append-only outputs and SQLite, whole lines and transactions), readable by the user only, and a folder or output
left looser by an older run is tightened.

A crash mid-write is made two ways: a real process killed with SIGKILL while it writes, and a write whose flush to
disk fails (a full disk), at every site."""

from __future__ import annotations

import errno
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batch.sinks import CsvSink, JsonlSink, SqliteSink
from reviewer.atomic import write_atomic
from reviewer.cache import FILE_NAME, ReviewCache
from reviewer.cli import main
from reviewer.errors import ExitCode
from tests.conftest import ROOT
from tui.files import save_draft

OLD = "the old contents, which must survive\n"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every flush to disk fails as on a full disk (after the bytes went to the temporary file)."""

    def fail(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_process_killed_while_writing_leaves_the_old_file_or_the_new_one_never_half(tmp_path: Path) -> None:
    target = tmp_path / "draft.txt"
    target.write_text(OLD, encoding="utf-8")
    new = "x" * 40_000_000 + "\n"
    script = (
        "import sys; from pathlib import Path; from reviewer.atomic import write_atomic\n"
        f"print('writing', flush=True); write_atomic(Path({str(target)!r}), {new[:1]!r} * {len(new) - 1} + '\\n')\n"
    )
    for delay in (0.0, 0.05, 0.2):
        child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=ROOT)
        assert child.stdout is not None and child.stdout.readline() == b"writing\n"
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        size = target.stat().st_size
        assert size in (len(OLD), len(new)), size
        if size == len(OLD):
            assert target.read_text(encoding="utf-8") == OLD
        target.write_text(OLD, encoding="utf-8")


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path: Path, full_disk: None) -> None:
    target = tmp_path / "notes.txt"
    target.write_text(OLD, encoding="utf-8")
    with pytest.raises(OSError):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == OLD and leftovers(tmp_path) == []


def test_a_new_file_is_user_only_and_an_existing_one_keeps_its_mode_unless_tightened(tmp_path: Path) -> None:
    new = tmp_path / "new.txt"
    write_atomic(new, "a")
    assert mode(new) == 0o600
    shared = tmp_path / "shared.txt"
    shared.write_text("a", encoding="utf-8")
    os.chmod(shared, 0o644)
    write_atomic(shared, "b")
    assert mode(shared) == 0o644 and shared.read_text(encoding="utf-8") == "b"
    write_atomic(shared, "c", tighten=True)
    assert mode(shared) == 0o600


# The sites.


def test_saving_a_draft_from_the_tui_is_atomic_and_private(tmp_path: Path, full_disk: None) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(OLD, encoding="utf-8")
    with pytest.raises(OSError):
        save_draft(draft, "Hi Tom, the new text.")
    assert draft.read_text(encoding="utf-8") == OLD and leftovers(tmp_path) == []


def test_a_newly_saved_draft_is_readable_by_the_user_only(tmp_path: Path) -> None:
    save_draft(tmp_path / "draft.txt", "Hi Tom, confidential until sent.")
    assert mode(tmp_path / "draft.txt") == 0o600


def test_schema_write_is_atomic_and_exit_2_when_it_fails(
    tmp_path: Path, full_disk: None, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "review.schema.json"
    out.write_text(OLD, encoding="utf-8")
    assert main(["schema", "--write", str(out)]) == ExitCode.USAGE
    assert out.read_text(encoding="utf-8") == OLD and leftovers(tmp_path) == []
    assert "No space left" in capsys.readouterr().err


def test_schema_write_writes_the_whole_schema(tmp_path: Path) -> None:
    out = tmp_path / "review.schema.json"
    assert main(["schema", "--write", str(out)]) == ExitCode.OK
    assert json.loads(out.read_text(encoding="utf-8"))["title"]


@pytest.fixture
def results(tmp_path: Path) -> Path:
    source = tmp_path / "sent.jsonl"
    source.write_text(
        json.dumps({"text": "Hi Tom, it slipped because your team didn't send the files on time."}) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "results.jsonl"
    assert main(["batch", str(source), "-o", str(out), "-q"]) == ExitCode.BLOCKED
    return out


def test_batch_outputs_are_created_user_only(results: Path) -> None:
    assert mode(results) == 0o600 and mode(results.with_name("results.errors.jsonl")) == 0o600


@pytest.mark.parametrize("kind", ["jsonl", "csv", "sqlite"])
def test_a_looser_output_from_an_older_run_is_tightened_when_reopened(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"results.{kind}"
    sink = {
        "jsonl": lambda: JsonlSink(path),
        "csv": lambda: CsvSink(path, ["empathy"]),
        "sqlite": lambda: SqliteSink(path),
    }
    sink[kind]().close()
    os.chmod(path, 0o644)
    sink[kind]().close()
    assert mode(path) == 0o600


def test_a_sqlite_output_is_user_only_from_its_first_byte(tmp_path: Path) -> None:
    path = tmp_path / "results.db"
    SqliteSink(path).close()
    assert mode(path) == 0o600
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 1


@pytest.mark.parametrize("suffix", [".html", ".md"])
def test_the_report_is_atomic_private_and_exit_2_when_it_fails(
    results: Path, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = results.with_name("report" + suffix)
    assert main(["report", str(results), "-o", str(page)]) == ExitCode.OK
    assert mode(page) == 0o600
    before = page.read_text(encoding="utf-8")
    os.chmod(page, 0o644)
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left")))
    assert main(["report", str(results), "-o", str(page)]) == ExitCode.USAGE
    assert page.read_text(encoding="utf-8") == before and leftovers(page.parent) == []


def test_an_existing_cache_folder_is_tightened_and_its_file_is_private(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    assert ReviewCache(folder).get("no such key") is None  # opening the cache creates its file
    assert mode(folder) == 0o700 and mode(folder / FILE_NAME) == 0o600


def test_the_hook_script_is_installed_whole_and_executable(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    done = subprocess.run(
        [sys.executable, "-m", "reviewer.cli", "hook", "install", "sendemail-validate"],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    hook = repo / ".git" / "hooks" / "sendemail-validate"
    assert mode(hook) == 0o755 and leftovers(hook.parent) == []
