"""End to end against a real OpenAI-compatible server: llama-cpp-python serving Gemma 3 270M on 127.0.0.1.

These check the protocol, the validation and the error paths, not the quality of the judgement (a 270M model
judges poorly: it copies the reply format's placeholders back instead of writing, which is exactly what the validator
must catch). Five requests in all. Two rubric dimensions keep the prompt and the reply short: with all five,
one review takes minutes on two CPU threads, and the protocol is the same.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from llm_support import DRAFT, LlamaServer

from evals.recording import recording_engine, replaying_engine
from reviewer.cli import main
from reviewer.config import Settings
from reviewer.engines.llm_output import echoed_slot
from reviewer.engines.llm_prompt import reply_schema
from reviewer.engines.llm_stack import llm_engine
from reviewer.errors import EngineError
from reviewer.models import Message, Review, review_json_schema
from reviewer.service import rubric_for

pytestmark = pytest.mark.llama
jsonschema = pytest.importorskip("jsonschema")
KEEP = ("transparency", "accountability")
DISABLE = ("empathy", "solutions", "limited_excuses")


def llama_settings(server: LlamaServer, **changes: object) -> Settings:
    base = Settings(
        model=server.model,
        base_url=server.base_url,
        timeout=300,
        max_retries=1,
        max_output_tokens=1024,
        disable=DISABLE,
    )
    return base.replace(**changes)


def test_a_real_model_that_copies_the_reply_format_is_asked_once_to_repair_then_refused(
    llama_server: LlamaServer, tmp_path: Path
) -> None:
    settings = llama_settings(llama_server)
    rubric = rubric_for(settings)
    assert rubric.ids == KEEP
    store = tmp_path / "recording.jsonl"
    with pytest.raises(EngineError) as caught:
        recording_engine(settings, store).review(Message(text=DRAFT), rubric)
    message = str(caught.value)
    assert message.startswith("the model's reply was not a valid review after one repair: ") and "\n" not in message
    assert "repeats the reply format's placeholder" in message

    lines = [json.loads(line) for line in store.read_text().splitlines()]
    # llama-cpp-python refuses response_format json_schema; the engine fell back to json_object + schema, whose
    # grammar enforces Candor's schema: the reply has the right shape, only its strings are the template's.
    assert [line["attempt"] for line in lines] == [0, 1]
    assert lines[0]["response_mode"] == "json_object_schema"
    first = json.loads(lines[0]["reply"]["content"])
    jsonschema.validate(first, reply_schema(rubric))
    copied = [echoed_slot(first["dimensions"][d]["rationale"]) for d in KEEP]
    assert any(copied), first

    # The recording replays offline to the same refusal.
    offline = settings.replace(base_url="http://127.0.0.1:9/v1")
    with pytest.raises(EngineError) as replayed:
        replaying_engine(offline, store).review(Message(text=DRAFT), rubric)
    assert str(replayed.value) == message


def test_cli_rules_plus_llm_fails_open_to_the_rules_review_with_the_reason(
    llama_server: LlamaServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CANDOR_TIMEOUT", "300")
    monkeypatch.setenv("CANDOR_STRUCTURED_OUTPUT", "json_object_schema")
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT)
    argv = ["check", str(draft), "--format", "json", "--engine", "rules+llm", "--model", llama_server.model,
            "--base-url", llama_server.base_url, "--fail-open", *(f"--disable={d}" for d in DISABLE)]  # fmt: skip
    code = main(argv)
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    review = Review.from_json(out)
    assert review.engine == "rules" and review.findings
    assert any("could not review this draft" in n and "placeholder" in n for n in review.notes)
    jsonschema.validate(json.loads(out), review_json_schema())


def test_a_truncated_reply_is_one_clear_error(llama_server: LlamaServer) -> None:
    settings = llama_settings(llama_server, max_output_tokens=8, structured_output="json_object_schema")
    with pytest.raises(EngineError, match=r"cut off at 8 tokens \(finish_reason=length\)"):
        llm_engine(settings, cache=None).review(Message(text=DRAFT), rubric_for(settings))
