"""`candor eval` on the LLM engine: record once against a live (scripted) server, replay offline, report the
spread across repeated runs, and refuse a recording made under another rubric."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from llm_support import MODEL, Reply, ScriptedServer, reply_json

from reviewer.cli import main
from reviewer.errors import ExitCode
from reviewer.rubric import Rubric


def scores(rubric: Rubric, value: int) -> str:
    data = json.loads(reply_json(rubric))
    for dim in data["dimensions"].values():
        dim["score"] = value
    return json.dumps(data)


def test_record_then_replay_offline_with_consistency(
    server: ScriptedServer, rubric: Rubric, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recordings, out = tmp_path / "recordings", tmp_path / "runs"
    # Three messages, two runs: the second run scores every message one point higher.
    server.then(*[Reply(scores(rubric, 3)) for _ in range(3)], *[Reply(scores(rubric, 4)) for _ in range(3)])
    common = ["eval", "--engine", "llm", "--model", MODEL, "--split", "dev", "--resamples", "10",
              "--recordings", str(recordings), "--out", str(out), "--format", "json"]  # fmt: skip
    assert main([*common, "--base-url", server.base_url, "--sample", "3", "--runs", "2", "--record"]) == 0
    recorded = json.loads(capsys.readouterr().out)
    assert recorded["meta"]["source"] == "live (recorded)" and recorded["figures"]["n"] == 3
    meta = json.loads((recordings / f"{MODEL}.meta.json").read_text(encoding="utf-8"))
    assert meta["runs"] == 2 and len(meta["ids"]) == 3 and meta["sampling"]["temperature"] == 0.0

    server.reset()  # replay must not need it: nothing may reach the server from here on
    assert main(common) == ExitCode.OK
    assert server.requests == []
    replayed = json.loads(capsys.readouterr().out)
    assert replayed["meta"]["source"] == "replayed"
    assert replayed["figures"]["dimensions"] == recorded["figures"]["dimensions"]
    spread = replayed["figures"]["consistency"]["empathy"]
    assert spread == {"mean_spread": 1.0, "max_spread": 1, "messages": 3}


def test_a_recording_from_another_rubric_is_stale(
    server: ScriptedServer, rubric: Rubric, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recordings = tmp_path / "recordings"
    server.then(*[Reply(reply_json(rubric)) for _ in range(2)])
    common = ["eval", "--engine", "llm", "--model", MODEL, "--split", "dev", "--resamples", "5",
              "--recordings", str(recordings), "--out", str(tmp_path / "runs")]  # fmt: skip
    assert main([*common, "--base-url", server.base_url, "--sample", "2", "--record"]) == 0
    capsys.readouterr()
    assert main([*common, "--disable", "empathy"]) == ExitCode.ENGINE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "rubric" in err


def test_no_recording_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["eval", "--engine", "llm", "--model", "nothing-here", "--recordings", str(tmp_path)])
    assert code == ExitCode.ENGINE
    assert "no recording for model 'nothing-here'" in capsys.readouterr().err
