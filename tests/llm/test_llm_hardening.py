"""Issue 13, items 5, 6 and 12: the LLM call has a total deadline (a drip-feeding server cannot hold a review),
a reply far larger than the requested tokens is refused, and every malformed reply is an engine error that
`--fail-open` falls back from (exit 3 without it), never an internal error."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from pathlib import Path

import pytest
from llm_support import DRAFT, Drip, Raw, Reply, ScriptedServer, Status, reply_json

from reviewer.cli import main
from reviewer.config import Settings
from reviewer.engines.llm_stack import llm_engine
from reviewer.errors import EngineError, ExitCode
from reviewer.models import Message
from reviewer.rubric import Rubric


def test_a_drip_feeding_server_is_cut_off_at_the_total_deadline(
    server: ScriptedServer, settings: Settings, rubric: Rubric
) -> None:
    llm = llm_engine(dataclasses.replace(settings, timeout=1.5), rules=False, cache=None, sleep=lambda s: None)
    server.then(Reply(reply_json(rubric)))
    llm.review(Message(text=DRAFT), rubric)  # warm: imports and the tokenizer are not the deadline's business
    server.then(Drip(interval=0.2))  # each read returns well inside the timeout; the whole reply never would
    started = time.monotonic()
    with pytest.raises(EngineError, match=r"within 1.5s \(timeout\)"):
        llm.review(Message(text=DRAFT), rubric)
    assert time.monotonic() - started < 3


def test_the_async_path_has_the_same_deadline(server: ScriptedServer, settings: Settings, rubric: Rubric) -> None:
    from reviewer.engines import areview

    llm = llm_engine(dataclasses.replace(settings, timeout=1.5), rules=False, cache=None, sleep=lambda s: None)
    server.then(Reply(reply_json(rubric)))
    asyncio.run(areview(llm, Message(text=DRAFT), rubric))
    server.then(Drip(interval=0.2))
    started = time.monotonic()
    with pytest.raises(EngineError, match="timeout"):
        asyncio.run(areview(llm, Message(text=DRAFT), rubric))
    assert time.monotonic() - started < 3


def test_a_reply_far_larger_than_the_tokens_asked_for_is_refused(
    server: ScriptedServer, settings: Settings, rubric: Rubric
) -> None:
    server.then(Reply(reply_json(rubric, rewrite="Hi Dana. " + "x" * 2_000_000)))
    llm = llm_engine(settings, rules=False, cache=None, sleep=lambda s: None)
    started = time.monotonic()
    with pytest.raises(EngineError, match="reply of 2,00"):
        llm.review(Message(text=DRAFT), rubric)
    assert time.monotonic() - started < 5


def deep(n: int) -> str:
    return "[" * n + "]" * n


@pytest.mark.parametrize(
    "action",
    [
        Raw(200, b"<html><body>proxy says hi</body></html>"),
        Raw(200, b"not json at all", content_type="application/json"),
        Reply(deep(100_000)),
        Reply('{"dimensions": {"transparency": {"score": ' + "5" * 5000 + "}}}"),
        Status(503, headers={"Retry-After": "soon"}),
    ],
    ids=["html-200", "text-200", "deep-json", "huge-score", "retry-after-soon"],
)
def test_malformed_replies_fall_back_with_fail_open_and_exit_3_without(
    server: ScriptedServer,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    action: object,
) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT)
    flags = ["--engine", "llm", "--base-url", settings.base_url or "", "--model", settings.model or "", "--no-cache"]
    flags += ["--format", "json"]
    monkeypatch.setenv("CANDOR_MAX_RETRIES", "0")
    server.default = action  # type: ignore[assignment]
    assert main(["check", str(draft), *flags]) == ExitCode.ENGINE
    err = capsys.readouterr().err
    assert "internal error" not in err and len(err.strip().splitlines()) == 1
    code = main(["check", str(draft), *flags, "--fail-open"])
    captured = capsys.readouterr()
    assert code in (ExitCode.OK, ExitCode.BLOCKED), captured.err
    assert any("fail_open" in note for note in json.loads(captured.out)["notes"])


def test_a_server_that_echoes_the_key_into_the_reply_never_gets_it_printed_or_cached(
    server: ScriptedServer,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    rubric: Rubric,
) -> None:
    from llm_support import API_KEY, reply_data

    data = reply_data(rubric)
    first = next(iter(data["dimensions"]))
    data["dimensions"][first]["rationale"] = f"Your header was Bearer {API_KEY}, thanks."
    server.default = Reply(json.dumps(data))
    monkeypatch.setenv("CANDOR_API_KEY", API_KEY)
    monkeypatch.setenv("CANDOR_CACHE_DIR", str(tmp_path / "cache"))
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT)
    flags = ["--engine", "llm", "--base-url", settings.base_url or "", "--model", settings.model or ""]
    for output in ("text", "json"):
        assert main(["check", str(draft), *flags, "--format", output]) in (ExitCode.OK, ExitCode.BLOCKED)
        captured = capsys.readouterr()
        assert API_KEY not in captured.out and API_KEY not in captured.err and "Bearer ***" in captured.out
    stored = b"".join(p.read_bytes() for p in (tmp_path / "cache").iterdir())
    assert API_KEY.encode() not in stored
