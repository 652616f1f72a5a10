"""End to end against a real OpenAI-compatible server: llama-cpp-python serving Gemma 3 270M on 127.0.0.1.

These check the protocol, the validation and the error paths, not the quality of the judgement (a 270M base model
judges poorly). Three requests in all. Two rubric dimensions keep the prompt and the reply short: with all five,
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
from reviewer.engines.llm_output import locate_all
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


def test_a_review_comes_back_schema_valid_with_checked_quotes(llama_server: LlamaServer, tmp_path: Path) -> None:
    settings = llama_settings(llama_server)
    rubric = rubric_for(settings)
    assert rubric.ids == KEEP
    store = tmp_path / "recording.jsonl"
    review = recording_engine(settings, store).review(Message(text=DRAFT), rubric)

    jsonschema.validate(json.loads(review.to_json()), review_json_schema())
    assert review.engine == "llm:gemma3" and [d.id for d in review.dimensions] == list(KEEP)
    assert all(1 <= d.score <= 5 and d.rationale for d in review.dimensions)

    lines = [json.loads(line) for line in store.read_text().splitlines()]
    # llama-cpp-python refuses response_format json_schema; the engine fell back to json_object + schema.
    assert lines[0]["response_mode"] == "json_object_schema"
    raw = json.loads(lines[-1]["reply"]["content"])
    if len(lines) == 1:
        jsonschema.validate(raw, reply_schema(rubric))  # the server's grammar enforced Candor's schema
    dropped = 0
    for dim in review.dimensions:
        evidence, lost = locate_all(review.text, tuple(q.strip() for q in raw["dimensions"][dim.id]["evidence"]))
        assert dim.evidence == evidence
        assert all(review.text[e.start : e.end] == e.quote for e in dim.evidence)
        dropped += lost
    quoted = sum(len(raw["dimensions"][d]["evidence"]) for d in KEEP)
    expected_note = f"{dropped} of {quoted} quotes from the model were not found in the draft and were dropped."
    assert (expected_note in review.notes) == (dropped > 0)
    if review.rewrite is not None:
        assert review.rewrite.source == "model"

    # The recording replays offline to the same review.
    offline = settings.replace(base_url="http://127.0.0.1:9/v1")
    replayed = replaying_engine(offline, store).review(Message(text=DRAFT), rubric)
    assert replayed.model_dump(exclude={"usage"}) == review.model_dump(exclude={"usage"})


def test_cli_rules_plus_llm_then_cache_hit(
    llama_server: LlamaServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CANDOR_TIMEOUT", "300")
    monkeypatch.setenv("CANDOR_STRUCTURED_OUTPUT", "json_object_schema")
    draft = tmp_path / "draft.txt"
    draft.write_text(DRAFT)
    argv = ["check", str(draft), "--format", "json", "--engine", "rules+llm", "--model", llama_server.model,
            "--base-url", llama_server.base_url, *(f"--disable={d}" for d in DISABLE)]  # fmt: skip
    first_code = main(argv)
    out, err = capsys.readouterr()
    assert first_code in (0, 1), err
    first = Review.from_json(out)
    assert first.engine == "rules+llm:gemma3" and not first.usage.cached
    assert first.findings  # the rules engine's findings are kept
    assert first_code == main(argv)
    second = Review.from_json(capsys.readouterr().out)
    assert second.usage.cached and second.dimensions == first.dimensions


def test_a_truncated_reply_is_one_clear_error(llama_server: LlamaServer) -> None:
    settings = llama_settings(llama_server, max_output_tokens=8, structured_output="json_object_schema")
    with pytest.raises(EngineError, match=r"cut off at 8 tokens \(finish_reason=length\)"):
        llm_engine(settings, cache=None).review(Message(text=DRAFT), rubric_for(settings))
