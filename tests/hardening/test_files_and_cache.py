"""Issue 13, items 11, 14-16 and 20: config files and the cache directory in the states users leave them in."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from reviewer.cache import FILE_NAME, ReviewCache
from reviewer.cli import main
from reviewer.config import load_settings
from reviewer.errors import ConfigError, ExitCode
from reviewer.models import Review
from reviewer.service import Reviewer


def config(tmp_path: Path, data: bytes, name: str = "candor.toml") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"engine = 'rul\xe9s'\n", "candor.toml", "not UTF-8"),
        (b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", "candor.toml", "not valid TOML"),
        (b"[tool]\ncandor = 'x'\n", "pyproject.toml", "tool.candor: expected a table"),
        (b"send_at = nan\n", "candor.toml", "send_at: expected float"),
    ],
    ids=["latin-1", "deep", "tool-candor-string", "nan"],
)
def test_bad_config_files_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, name: str, expected: str
) -> None:
    path = config(tmp_path, data, name)
    assert main(["config", "--config", str(path)]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1 and "internal error" not in err


def test_a_utf8_bom_in_candor_toml_is_accepted(tmp_path: Path) -> None:
    path = config(tmp_path, b"\xef\xbb\xbfsend_at = 4.0\n")
    assert load_settings(config_file=path).settings.send_at == 4.0


def test_relative_rubric_dirs_resolve_against_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    (project / "team-rubric").mkdir(parents=True)
    path = config(project, b"rubric_dirs = ['team-rubric']\ncache_dir = 'cache'\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CANDOR_CACHE_DIR")
    settings = load_settings(config_file=path).settings
    assert settings.rubric_dirs == (project / "team-rubric",) and settings.cache_dir == project / "cache"


def test_an_empty_cache_dir_variable_means_the_default_not_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={"CANDOR_CACHE_DIR": "", "CANDOR_CONFIG": str(tmp_path / "none.toml")}).settings
    assert settings.cache_dir is None


def damaged_cache(tmp_path: Path) -> Path:
    directory = tmp_path / "cache"
    directory.mkdir()
    (directory / FILE_NAME).write_bytes(b"this is not a database at all " * 100)
    return directory


def review() -> Review:
    return Reviewer().review_text("Hi Tom, the report is late. Sorry. It ships on 4 May.")


def test_a_damaged_cache_is_bypassed_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cache = ReviewCache(damaged_cache(tmp_path))
    assert cache.get("k") is None
    cache.put("k", review(), model="m")  # no exception: the review that was paid for is still returned
    assert "reviewing without the cache" in caplog.text and caplog.text.count("warning") == 1


def test_cache_clear_replaces_a_damaged_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = damaged_cache(tmp_path)
    monkeypatch.setenv("CANDOR_CACHE_DIR", str(directory))
    assert main(["cache", "clear"]) == ExitCode.OK
    capsys.readouterr()
    cache = ReviewCache(directory)
    cache.put("k", review(), model="m")
    assert cache.get("k") is not None
    cache.close()
    assert sqlite3.connect(directory / FILE_NAME).execute("SELECT COUNT(*) FROM reviews").fetchone() == (1,)


def test_an_existing_cache_folder_is_tightened_to_the_user(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)
    cache = ReviewCache(directory)
    cache.put("k", review(), model="m")
    cache.close()
    assert directory.stat().st_mode & 0o777 == 0o700 and (directory / FILE_NAME).stat().st_mode & 0o777 == 0o600


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None, reason="needs root to act as another user")
def test_a_cache_folder_the_user_cannot_read_does_not_break_the_rules_engine() -> None:
    with tempfile.TemporaryDirectory() as where:  # pytest's tmp_path is private to root; this one is not
        check_as_nobody(Path(where))


def check_as_nobody(tmp_path: Path) -> None:
    cache = tmp_path / "root-cache"
    cache.mkdir(mode=0o700)  # what a `sudo candor` leaves behind, owned by root
    draft = tmp_path / "draft.txt"
    draft.write_text("Hi Tom, the report is late. Sorry. It ships on 4 May.\n")
    os.chmod(tmp_path, 0o755)
    os.chmod(draft, 0o644)
    env = {**os.environ, "CANDOR_CACHE_DIR": str(cache), "CANDOR_CONFIG": str(tmp_path / "none.toml")}
    env["HOME"] = str(tmp_path)
    result = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m", "reviewer.cli"]
        + ["check", str(draft)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode in (ExitCode.OK, ExitCode.BLOCKED), result.stderr
    assert "Traceback" not in result.stderr


def test_config_error_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        load_settings(environ={"CANDOR_SEND_AT": "nan", "CANDOR_CONFIG": "/nonexistent/c.toml"})


def test_schema_write_to_a_missing_folder_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema", "--write", str(tmp_path / "no-such-folder" / "schema.json")]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "cannot write" in err and "internal error" not in err and len(err.strip().splitlines()) == 1
