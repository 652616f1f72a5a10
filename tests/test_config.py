"""Config precedence: defaults < user file < project file < CANDOR_* environment < flags."""

from __future__ import annotations

from pathlib import Path

import pytest

import reviewer.config
from reviewer.cli import main
from reviewer.config import load_settings
from reviewer.errors import ConfigError, ExitCode


def user_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    path = tmp_path / "user" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    monkeypatch.setenv("CANDOR_CONFIG", str(path))
    return path


def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, body: str) -> Path:
    directory = tmp_path / "project"
    (directory / "sub").mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(body, encoding="utf-8")
    monkeypatch.setattr(reviewer.config, "_search_directories", lambda start: iter([start, *start.parents]))
    return directory / "sub"


def test_defaults_when_nothing_is_set(tmp_path: Path) -> None:
    loaded = load_settings(cwd=tmp_path)
    assert loaded.settings.engine == "rules" and loaded.settings.send_at == 3.8
    assert loaded.provenance == {"cache_dir": "$CANDOR_CACHE_DIR"}


def test_each_layer_overrides_the_one_below(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user_file(tmp_path, monkeypatch, "send_at = 4.0\nblock_below = 2.0\nmax_major_for_send = 0\nmodel = 'u'\n")
    cwd = project(tmp_path, monkeypatch, "candor.toml", "block_below = 2.2\nmax_major_for_send = 2\nmodel = 'p'\n")
    monkeypatch.setenv("CANDOR_MAX_MAJOR_FOR_SEND", "3")
    monkeypatch.setenv("CANDOR_MODEL", "env-model")
    loaded = load_settings({"model": "flag-model"}, cwd=cwd)
    s = loaded.settings
    assert (s.send_at, s.block_below, s.max_major_for_send, s.model) == (4.0, 2.2, 3, "flag-model")
    assert loaded.provenance["send_at"].endswith("user/config.toml")
    assert loaded.provenance["block_below"].endswith("project/candor.toml")
    assert loaded.provenance["max_major_for_send"] == "$CANDOR_MAX_MAJOR_FOR_SEND"
    assert loaded.provenance["model"] == "--model"


def test_pyproject_tool_table_is_a_project_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = project(tmp_path, monkeypatch, "pyproject.toml", "[project]\nname='x'\n[tool.candor]\nsend_at = 4.2\n")
    assert load_settings(cwd=cwd).settings.send_at == 4.2


def test_pyproject_without_tool_table_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = project(tmp_path, monkeypatch, "pyproject.toml", "[project]\nname='x'\n")
    (tmp_path / "candor.toml").write_text("send_at = 4.4\n", encoding="utf-8")
    assert load_settings(cwd=cwd).settings.send_at == 4.4


def test_openai_variables_are_fallbacks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    assert load_settings(cwd=tmp_path).settings.base_url == "http://127.0.0.1:9/v1"
    monkeypatch.setenv("CANDOR_API_KEY", "sk-candor")
    assert load_settings(cwd=tmp_path).settings.api_key == "sk-candor"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("sendat = 3\n", "unknown key 'sendat'"),
        ("send_at = 'high'\n", "send_at: expected float"),
        ("fail_on = 'never'\n", "fail_on: must be one of block, revise"),
        ("api_key = 'sk-123'\n", "api_key: set it in the environment"),
        ("send_at = [\n", "not valid TOML"),
        ("send_at = 2.0\nblock_below = 3.0\n", "must not exceed send_at"),
        ("send_at = 9.0\n", "send_at \\(9.0\\) must be a score from 1 to 5"),
        ("send_at = nan\n", "send_at: expected float, got nan"),
        ("block_below = -5.0\n", "block_below \\(-5.0\\) must be a score from 1 to 5"),
    ],
)
def test_bad_config_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str) -> None:
    user_file(tmp_path, monkeypatch, body)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_settings(cwd=tmp_path)


def test_bad_environment_value(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CANDOR_CACHE", "perhaps")
    with pytest.raises(ConfigError, match=r"\$CANDOR_CACHE: cache: expected bool"):
        load_settings(cwd=tmp_path)


def test_config_show_masks_the_key(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CANDOR_API_KEY", "sk-secret-value-1234")
    assert main(["config"]) == ExitCode.OK
    out = capsys.readouterr().out
    # Not even the last characters: the key is said to be set, and where from.
    assert "api_key = '***'" in out and "1234" not in out and "sk-secret" not in out and "$CANDOR_API_KEY" in out


def test_explicit_config_flag_and_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    strict = tmp_path / "strict.toml"
    strict.write_text("send_at = 4.9\nfail_on = 'revise'\n", encoding="utf-8")
    draft = tmp_path / "d.txt"
    draft.write_text("Hi Ana, the new dashboard went live today as planned. Thanks for the quick feedback!", "utf-8")
    assert main(["check", str(draft)]) == ExitCode.OK
    assert main(["check", str(draft), "--config", str(strict)]) == ExitCode.BLOCKED
    assert main(["check", str(draft), "--config", str(tmp_path / "missing.toml")]) == ExitCode.USAGE
    assert "config file not found" in capsys.readouterr().err


def test_developer_config_does_not_leak(tmp_path: Path) -> None:
    # The autouse fixture points the user file into tmp_path and searches no directories.
    loaded = load_settings()
    assert set(loaded.provenance) <= {"cache_dir"}
