"""`candor check --engine llm|rules+llm` and `candor cache` through `main(argv)`: exit codes, one-line errors."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from llm_support import API_KEY, DRAFT, MODEL, Hang, Reply, ScriptedServer, reply_json

from reviewer.cli import main
from reviewer.errors import ExitCode
from reviewer.rubric import Rubric


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    path = tmp_path / "draft.txt"
    path.write_text(DRAFT)
    return path


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANDOR_API_KEY", API_KEY)


def check(draft: Path, base_url: str, *extra: str) -> list[str]:
    return ["check", str(draft), "--format", "json", "--model", MODEL, "--base-url", base_url, *extra]


def test_server_down_exits_3_with_one_line(draft: Path, refused_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(check(draft, refused_url, "--engine", "llm"))
    out, err = capsys.readouterr()
    assert code == 3 and code == ExitCode.ENGINE
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"candor: error: cannot connect to {refused_url}")
    assert API_KEY not in err


def test_timeout_exits_3_with_one_line(
    draft: Path, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CANDOR_TIMEOUT", "0.5")
    server.then(Hang(30))
    code = main(check(draft, server.base_url, "--engine", "rules+llm"))
    err = capsys.readouterr().err
    assert code == 3 and err.count("\n") == 1 and "(timeout)" in err


def test_fail_open_falls_back_to_the_rules_verdict(
    draft: Path, refused_url: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    rules_code = main(["check", str(draft), "--format", "json"])
    rules = json.loads(capsys.readouterr().out)
    code = main(check(draft, refused_url, "--engine", "llm", "--fail-open"))
    review = json.loads(capsys.readouterr().out)
    assert code == rules_code != ExitCode.ENGINE
    assert review["engine"] == "rules" and review["verdict"] == rules["verdict"]
    assert "fail_open" in review["notes"][-1] and "cannot connect" in review["notes"][-1]
    assert any(r.levelno == logging.WARNING and "fail_open" in r.getMessage() for r in caplog.records)


def test_second_run_is_a_cache_hit(
    draft: Path, server: ScriptedServer, rubric: Rubric, capsys: pytest.CaptureFixture[str]
) -> None:
    server.then(Reply(reply_json(rubric)))
    first_code = main(check(draft, server.base_url, "--engine", "rules+llm"))
    first = json.loads(capsys.readouterr().out)
    second_code = main(check(draft, server.base_url, "--engine", "rules+llm"))
    second = json.loads(capsys.readouterr().out)
    assert len(server.requests) == 1
    assert first["engine"] == second["engine"] == f"rules+llm:{MODEL}"
    assert not first["usage"]["cached"] and second["usage"]["cached"]
    assert first_code == second_code and first["verdict"] == second["verdict"]

    assert main(["cache", "stats", "--format", "json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["entries"] == 1 and stats["hits"] == 1 and stats["by_engine"] == {f"rules+llm:{MODEL}": 1}
    assert main(["cache", "clear"]) == 0
    assert capsys.readouterr().out.startswith("removed 1 cached review from ")
    assert main(["cache", "stats"]) == 0
    assert "entries: 0" in capsys.readouterr().out


def test_no_cache_flag_asks_again(
    draft: Path, server: ScriptedServer, rubric: Rubric, capsys: pytest.CaptureFixture[str]
) -> None:
    server.default = Reply(reply_json(rubric))
    main(check(draft, server.base_url, "--engine", "llm", "--no-cache"))
    main(check(draft, server.base_url, "--engine", "llm", "--no-cache"))
    assert len(server.requests) == 2
    capsys.readouterr()
    assert main(["cache", "stats", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["entries"] == 0


def test_text_output_shows_the_model_review(
    draft: Path, server: ScriptedServer, rubric: Rubric, capsys: pytest.CaptureFixture[str]
) -> None:
    server.then(Reply(reply_json(rubric)))
    main(["check", str(draft), "--engine", "llm", "--model", MODEL, "--base-url", server.base_url])
    out = capsys.readouterr().out
    assert f"(llm:{MODEL})" in out and "Rationale for empathy." in out
    assert "Suggested rewrite (model" in out


def test_missing_model_is_a_usage_error_with_a_how_to(draft: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(draft), "--engine", "llm"])
    err = capsys.readouterr().err
    assert code == ExitCode.USAGE
    assert err.count("\n") == 1 and "set CANDOR_MODEL and CANDOR_BASE_URL" in err


def test_cache_needs_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cache"]) == ExitCode.USAGE
    assert "stats,clear" in capsys.readouterr().err
