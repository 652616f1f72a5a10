"""Record against a live server once, replay offline for ever, and refuse to replay what no longer matches."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from llm_support import DRAFT, MODEL, Reply, ScriptedServer, Status, reply_json

from evals.recording import (
    RecordingBackend,
    ReplayBackend,
    StaleRecording,
    digest,
    fingerprint,
    recording_engine,
    replaying_engine,
)
from reviewer.config import Settings
from reviewer.engines.llm_backend import ChatRequest, RequestMeta, ScriptedBackend
from reviewer.engines.llm_prompt import PromptSet
from reviewer.engines.llm_stack import llm_engine
from reviewer.errors import EngineError, ExitCode
from reviewer.models import Message
from reviewer.prompts import prompts_dir
from reviewer.rubric import Rubric
from reviewer.service import rubric_for


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "recordings" / "llm.jsonl"


def record(settings: Settings, rubric: Rubric, store: Path, *messages: Message, with_rules: bool = False) -> None:
    engine = recording_engine(settings, store, with_rules=with_rules)
    for message in messages:
        engine.review(message, rubric)


def test_recording_then_replay_needs_no_server(
    server: ScriptedServer, settings: Settings, rubric: Rubric, store: Path, refused_url: str
) -> None:
    server.then(Reply(reply_json(rubric)))
    live = recording_engine(settings, store).review(Message(text=DRAFT), rubric)
    lines = [json.loads(line) for line in store.read_text().splitlines()]
    assert len(lines) == 1
    assert lines[0]["model"] == MODEL and lines[0]["attempt"] == 0 and lines[0]["run"] == 0
    assert lines[0]["reply"]["content"] == reply_json(rubric)
    assert "api_key" not in store.read_text() and settings.api_key not in store.read_text()  # type: ignore[operator]

    offline = settings.replace(base_url=refused_url)
    replayed = replaying_engine(offline, store).review(Message(text=DRAFT), rubric)
    assert replayed.model_dump(exclude={"usage"}) == live.model_dump(exclude={"usage"})
    assert len(server.requests) == 1


def test_the_repair_call_is_recorded_and_replayed(
    server: ScriptedServer, settings: Settings, rubric: Rubric, store: Path
) -> None:
    server.then(Reply("garbage"), Reply(reply_json(rubric)))
    record(settings, rubric, store, Message(text=DRAFT))
    assert [json.loads(line)["attempt"] for line in store.read_text().splitlines()] == [0, 1]
    replayed = replaying_engine(settings, store).review(Message(text=DRAFT), rubric)
    assert any("first reply was invalid" in note for note in replayed.notes)


def test_transport_failures_are_not_recorded(
    server: ScriptedServer, settings: Settings, rubric: Rubric, store: Path
) -> None:
    server.then(Status(400))
    with pytest.raises(EngineError, match="rejected the request"):
        record(settings, rubric, store, Message(text=DRAFT))
    assert not store.exists()


def test_a_truncated_reply_replays_as_the_same_error(
    server: ScriptedServer, settings: Settings, rubric: Rubric, store: Path
) -> None:
    server.then(Reply(reply_json(rubric)[:50], finish_reason="length"))
    with pytest.raises(EngineError, match="cut off"):
        record(settings, rubric, store, Message(text=DRAFT))
    with pytest.raises(EngineError, match="cut off"):
        replaying_engine(settings, store).review(Message(text=DRAFT), rubric)


def test_replay_miss_is_a_clear_stale_error(settings: Settings, rubric: Rubric, store: Path) -> None:
    store.parent.mkdir(parents=True)
    store.write_text("")
    with pytest.raises(StaleRecording, match="no recorded reply for message"):
        replaying_engine(settings, store).review(Message(text=DRAFT), rubric)


@pytest.mark.parametrize("change", ["model", "rubric", "prompt", "temperature", "situation"])
def test_a_recording_made_under_other_conditions_is_never_reused(
    change: str, server: ScriptedServer, settings: Settings, rubric: Rubric, store: Path, tmp_path: Path
) -> None:
    server.then(Reply(reply_json(rubric)))
    record(settings, rubric, store, Message(text=DRAFT))
    message = Message(text=DRAFT)
    now = settings
    if change == "model":
        now = settings.replace(model="another-model")
    elif change == "rubric":
        rubric = rubric_for(Settings(disable=("empathy",)))
    elif change == "prompt":
        copy = tmp_path / "prompts"
        shutil.copytree(prompts_dir(), copy)
        (copy / "review.md").write_text((copy / "review.md").read_text() + "\nBe kind.\n")
        now = settings.replace(prompts_dir=copy)
    elif change == "temperature":
        now = settings.replace(temperature=0.7)
    else:
        message = Message(text=DRAFT, situation="outage")
    expected = {
        "model": "model 'test-model' -> 'another-model'",
        "rubric": "stale .*rubric '",
        "prompt": "stale .*prompt '",
        "temperature": "other request settings",
        "situation": "no recorded reply",
    }[change]
    with pytest.raises(StaleRecording, match=expected):
        replaying_engine(now, store).review(message, rubric)


def test_stale_recording_exits_3_even_with_fail_open(settings: Settings, rubric: Rubric, store: Path) -> None:
    store.parent.mkdir(parents=True)
    store.write_text("")
    with pytest.raises(EngineError) as caught:
        replaying_engine(settings.replace(fail_open=True), store).review(Message(text=DRAFT), rubric)
    assert caught.value.exit_code == ExitCode.ENGINE


def test_runs_are_recorded_apart(server: ScriptedServer, settings: Settings, rubric: Rubric, store: Path) -> None:
    server.then(Reply(reply_json(rubric)), Reply(reply_json(rubric, suggestions=["Second run."])))
    recording_engine(settings, store, run=0).review(Message(text=DRAFT), rubric)
    recording_engine(settings, store, run=1).review(Message(text=DRAFT), rubric)
    first = replaying_engine(settings, store, run=0).review(Message(text=DRAFT), rubric)
    second = replaying_engine(settings, store, run=1).review(Message(text=DRAFT), rubric)
    assert first.suggestions[0] != "Second run." and second.suggestions[0] == "Second run."
    with pytest.raises(StaleRecording):
        replaying_engine(settings, store, run=2).review(Message(text=DRAFT), rubric)


def test_the_newest_recording_wins(settings: Settings, rubric: Rubric, store: Path) -> None:
    first = RecordingBackend(ScriptedBackend([reply_json(rubric)]), store)
    llm_engine(settings, backend=first).review(Message(text=DRAFT), rubric)
    second = RecordingBackend(ScriptedBackend([reply_json(rubric, suggestions=["Re-recorded."])]), store)
    llm_engine(settings, backend=second).review(Message(text=DRAFT), rubric)
    replayed = llm_engine(settings, backend=ReplayBackend(store)).review(Message(text=DRAFT), rubric)
    assert replayed.suggestions[0] == "Re-recorded."


def test_a_resumed_recording_asks_the_model_only_what_it_has_not_answered(
    settings: Settings, rubric: Rubric, store: Path
) -> None:
    other = Message(text=DRAFT.replace("Dana", "Robin"))
    first = ScriptedBackend([reply_json(rubric)])
    llm_engine(settings, backend=RecordingBackend(first, store)).review(Message(text=DRAFT), rubric)
    # Interrupted here; the same command again, resumed: only the second message reaches the model.
    again = ScriptedBackend([reply_json(rubric, suggestions=["Second message."])])
    resumed = llm_engine(settings, backend=RecordingBackend(again, store, resume=True))
    recorded = tuple(json.loads(reply_json(rubric))["suggestions"])
    assert resumed.review(Message(text=DRAFT), rubric).suggestions == recorded
    assert resumed.review(other, rubric).suggestions[0] == "Second message."
    assert len(first.requests) == 1 and len(again.requests) == 1
    assert len(store.read_text(encoding="utf-8").splitlines()) == 2
    # Without resume, a recording asks again (a deliberate re-recording).
    fresh = ScriptedBackend([reply_json(rubric)])
    llm_engine(settings, backend=RecordingBackend(fresh, store)).review(Message(text=DRAFT), rubric)
    assert len(fresh.requests) == 1


def test_rules_plus_llm_replays_too(server: ScriptedServer, settings: Settings, rubric: Rubric, store: Path) -> None:
    server.then(Reply(reply_json(rubric)))
    record(settings, rubric, store, Message(text=DRAFT), with_rules=True)
    review = replaying_engine(settings, store, with_rules=True).review(Message(text=DRAFT), rubric)
    assert review.engine == f"rules+llm:{MODEL}" and review.findings


def test_a_corrupt_recording_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"fingerprint": "x"}\n')
    with pytest.raises(StaleRecording, match=r"bad.jsonl:1: not a Candor recording line"):
        ReplayBackend(bad)


def test_fingerprint_ignores_the_response_mode(rubric: Rubric) -> None:
    request = ChatRequest(
        model="m",
        messages=(("user", "x"),),
        temperature=0.0,
        max_tokens=10,
        schema={},
        meta=RequestMeta(prompt_hash=PromptSet.load().hash, rubric_hash=rubric.hash, text_hash="t"),
    )
    from dataclasses import replace

    other = replace(request, response_mode="json_object")
    assert fingerprint(request) == fingerprint(other) and digest(request) == digest(other)
    assert fingerprint(replace(request, meta=replace(request.meta, run=1))) != fingerprint(request)
