"""Redaction before a remote model (issue 13, item 21), against the real scripted OpenAI-compatible HTTP server.

What the server receives is read from the request bodies it kept; the "model" answers in placeholders (it quotes
the draft it was sent), so the tests see the mapping back exactly as a real model's reply would get it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from llm_support import API_KEY, MODEL, Reply, Respond, ScriptedServer

from reviewer.cache import ReviewCache
from reviewer.cli import main
from reviewer.config import Settings
from reviewer.engines.llm_prompt import draft_in
from reviewer.engines.llm_stack import llm_engine
from reviewer.models import Message, Review
from reviewer.rubric import Rubric
from reviewer.service import rubric_for

SENSITIVE = (
    "Hi Dana,\n\n"
    "I'm sorry: invoice INV-2041 for $4,800 was charged twice to account 12345678, because we missed the "
    "deadline for the billing fix on 14 March.\n"
    "Priya Raman from Acme Corp will call you; reach her at priya.raman@acme.example or +44 20 7946 0958.\n"
    "Progress is on https://status.acme.example/incidents/42 and the refund of EUR 1,200 for invoice no. 88412 "
    "goes out by Friday. Globex has been told. Frank has been told too.\n\n"
    "Best,\nSam Okafor\n"
)
CLIENT = "Acme Corp"
VALUES = (
    "INV-2041", "4,800", "12345678", "priya.raman@acme.example", "+44 20 7946 0958", "7946",
    "https://status.acme.example", "acme.example", "1,200", "88412",
)  # fmt: skip
NAMES = ("Dana", "Priya", "Raman", "Acme", "Globex", "Sam", "Okafor", "Frank")
MISSED = "Frank"
"""A name detection misses: an ordinary word ("frank") opening a sentence. `redact_names` is for these."""
_RUBRIC = rubric_for(Settings())
KEPT = ("14 March", "Friday")
"""Dates stay: the review needs them."""


def sent(server: ScriptedServer, rubric: Rubric | None = None) -> str:
    """Everything the server received, as one string: every request body, with the message contents decoded.

    The rubric's own example messages ("Dana owns the fix") are taken out: they are Candor's text, not the user's.
    """
    examples = [e for d in (rubric or _RUBRIC).dimensions for e in (*d.examples.good, *d.examples.bad)]
    parts = []
    for body in server.requests:
        contents = [m["content"] for m in body["messages"]]
        for example in examples:
            contents = [c.replace(example, "") for c in contents]
        parts += [json.dumps({k: v for k, v in body.items() if k != "messages"}, ensure_ascii=False), *contents]
    return "\n".join(parts)


def leaked(body: str) -> list[str]:
    found = [v for v in VALUES if v in body]
    found += [n for n in NAMES if re.search(rf"\b{n}\b", body)]
    return found


def model_reply(rubric: Rubric, *, rewrite: str | None = None, replace: tuple[str, str] = ("", "")) -> Respond:
    """A model that quotes the draft it was sent: evidence and rationale in its placeholders, a rewrite of it
    (`rewrite` formatted with the draft it saw, then `replace` applied)."""

    def answer(body: dict[str, Any]) -> str:
        messages = tuple((m["role"], m["content"]) for m in body["messages"])
        draft = draft_in(messages) or ""
        contact = next(line for line in draft.splitlines() if "reach her at" in line)
        greeting = draft.splitlines()[0].removeprefix("Hi ").rstrip(",")
        data = {
            "dimensions": {
                dim: {
                    "evidence": [contact, "we missed the deadline"],
                    "rationale": f"Addresses {greeting} and names a contact.",
                    "score": 3,
                }
                for dim in rubric.ids
            },
            "missing": [],
            "suggestions": [f"Thank {greeting} for their patience."],
            "rewrite": (draft if rewrite is None else rewrite.format(draft=draft)).replace(*replace),
        }
        return json.dumps(data)

    return Respond(answer)


def settings_for(server: ScriptedServer, **changes: Any) -> Settings:
    base = Settings(model=MODEL, base_url=server.base_url, api_key=API_KEY, timeout=5.0, max_retries=0)
    return base.replace(**changes)


def review(settings: Settings, rubric: Rubric, text: str = SENSITIVE) -> Review:
    return llm_engine(settings, cache=None).review(Message(text=text, client=CLIENT), rubric)


def test_the_server_receives_none_of_them_and_the_review_maps_them_back(server: ScriptedServer, rubric: Rubric) -> None:
    server.then(model_reply(rubric))
    result = review(settings_for(server, redact=True, redact_names=(MISSED,)), rubric)
    body = sent(server)
    assert leaked(body) == []
    assert all(date in body for date in KEPT)
    assert "[EMAIL_1]" in body and "[CLIENT_1]" in body  # the client field too
    dim = result.dimensions[0]
    assert dim.rationale == "Addresses Dana and names a contact."
    quote = next(e for e in dim.evidence if "reach her" in e.quote)
    assert result.text[quote.start : quote.end] == quote.quote
    assert "priya.raman@acme.example" in quote.quote and "Priya Raman from Acme Corp" in quote.quote
    assert result.suggestions[0] == "Thank Dana for their patience."
    assert result.rewrite is not None and result.rewrite.text == SENSITIVE.strip()
    assert result.rewrite.changed_facts == ()
    kinds = {r.kind for r in result.redactions}
    assert kinds >= {"email", "phone", "amount", "account", "invoice", "url", "name", "client"}
    for r in result.redactions:
        assert r.placeholder in draft_in(tuple((m["role"], m["content"]) for m in server.requests[0]["messages"]))
    assert {result.text[r.start : r.end] for r in result.redactions} >= {"Dana", "$4,800", "Acme Corp", "Globex"}
    assert any(note.startswith("Redacted before sending to the model: ") for note in result.notes)


def test_the_rewrite_fact_check_sees_the_original_facts(server: ScriptedServer, rubric: Rubric) -> None:
    # The model's rewrite drops the amount placeholder and invents another amount: the check names the real values.
    server.then(model_reply(rubric, rewrite="{draft}", replace=("[AMOUNT_1]", "$9,999")))
    result = review(settings_for(server, redact=True), rubric)
    assert result.rewrite is not None
    changed = {(c.change, c.value) for c in result.rewrite.changed_facts}
    assert changed == {("dropped", "$4,800"), ("added", "$9,999")}
    assert "$4,800" not in sent(server)


def test_no_redact_sends_the_draft_as_written(server: ScriptedServer, rubric: Rubric) -> None:
    server.then(model_reply(rubric))
    result = review(settings_for(server, redact=False), rubric)
    assert set(leaked(sent(server))) == set(VALUES) | set(NAMES)
    assert result.redactions == ()
    assert not any("Redacted" in note for note in result.notes)


def test_a_loopback_endpoint_defaults_to_off(server: ScriptedServer, rubric: Rubric) -> None:
    server.then(model_reply(rubric))
    assert settings_for(server).redact is None
    result = review(settings_for(server), rubric)
    assert "priya.raman@acme.example" in sent(server) and result.redactions == ()


def test_the_repair_request_carries_nothing_redacted(server: ScriptedServer, rubric: Rubric) -> None:
    # A first reply that is not a review and holds a real value (a server that echoes it): the repair request,
    # which sends that reply back, must not carry it.
    server.then(Reply('{"dimensions": "Dana at priya.raman@acme.example"}'), model_reply(rubric))
    result = review(settings_for(server, redact=True, redact_names=(MISSED,)), rubric)
    assert len(server.requests) == 2
    assert "[EMAIL_1]" in server.requests[1]["messages"][-2]["content"]
    assert leaked(sent(server)) == []
    assert any("first reply was invalid" in note for note in result.notes)


def test_a_redacted_and_an_unredacted_review_never_share_a_cached_reply(
    server: ScriptedServer, rubric: Rubric, tmp_path: Path
) -> None:
    cache = ReviewCache(tmp_path / "cache")
    message = Message(text=SENSITIVE, client=CLIENT)
    server.then(model_reply(rubric), model_reply(rubric))
    redacted = llm_engine(settings_for(server, redact=True), cache=cache).review(message, rubric)
    plain = llm_engine(settings_for(server, redact=False), cache=cache).review(message, rubric)
    assert len(server.requests) == 2  # the second was a miss, not the redacted reply
    assert redacted.redactions and not plain.redactions
    again = llm_engine(settings_for(server, redact=True), cache=cache).review(message, rubric)
    assert again.usage.cached and again.redactions == redacted.redactions
    # Another list of names to redact is another prompt: another key.
    server.then(model_reply(rubric))
    llm_engine(settings_for(server, redact=True, redact_names=(MISSED,)), cache=cache).review(message, rubric)
    assert len(server.requests) == 3
    cache.close()


def test_the_cache_holds_the_review_and_no_mapping(server: ScriptedServer, rubric: Rubric, tmp_path: Path) -> None:
    cache = ReviewCache(tmp_path / "cache")
    server.then(model_reply(rubric))
    result = llm_engine(settings_for(server, redact=True), cache=cache).review(Message(text=SENSITIVE), rubric)
    cache.close()
    import sqlite3

    with sqlite3.connect(tmp_path / "cache" / "reviews.sqlite3") as conn:
        rows = conn.execute("SELECT key, engine, model, review FROM reviews").fetchall()
    assert len(rows) == 1
    key, engine, model, stored = rows[0]
    assert (engine, model) == ("llm", MODEL) and re.fullmatch(r"[0-9a-f]{64}", key)
    assert Review.from_json(stored) == result  # exactly what `candor check` prints, nothing beside it


# ----------------------------------------------------------------------------------------------------------------
# candor check: the flags, and a remote endpoint's default (reached through an HTTP proxy that is the server)


@pytest.fixture
def draft_file(tmp_path: Path) -> Path:
    path = tmp_path / "draft.txt"
    path.write_text(SENSITIVE)
    return path


@pytest.fixture
def via_proxy(server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """A non-loopback base URL whose requests reach the scripted server: it is also the HTTP proxy (no DNS)."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.port}")
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{server.port}")
    return "http://llm.remote.example/v1"


def check(draft: Path, base_url: str, *extra: str) -> list[str]:
    return ["check", str(draft), "--format", "json", "--engine", "llm", "--model", MODEL, "--base-url", base_url,
            *extra]  # fmt: skip


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CANDOR_API_KEY", API_KEY)


def test_a_remote_endpoint_redacts_by_default(
    server: ScriptedServer, rubric: Rubric, draft_file: Path, via_proxy: str, capsys: pytest.CaptureFixture[str]
) -> None:
    server.then(model_reply(rubric))
    code = main(check(draft_file, via_proxy, "--no-cache"))
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert len(server.requests) == 1 and leaked(sent(server)) == [MISSED]
    document = json.loads(out)
    quotes = [e["quote"] for e in document["dimensions"][0]["evidence"]]
    assert document["redactions"] and any("priya.raman@acme.example" in q for q in quotes)


def test_no_redact_on_the_command_line_sends_it_as_written(
    server: ScriptedServer, rubric: Rubric, draft_file: Path, via_proxy: str, capsys: pytest.CaptureFixture[str]
) -> None:
    server.then(model_reply(rubric))
    code = main(check(draft_file, via_proxy, "--no-cache", "--no-redact"))
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    assert "priya.raman@acme.example" in sent(server) and json.loads(out)["redactions"] == []


def test_redact_on_the_command_line_and_in_the_config(
    server: ScriptedServer,
    rubric: Rubric,
    draft_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.then(model_reply(rubric), model_reply(rubric))
    assert main(check(draft_file, server.base_url, "--no-cache", "--redact")) in (0, 1)
    assert leaked(sent(server)) == [MISSED]
    config = tmp_path / "candor.toml"
    config.write_text(f'redact = true\nredact_names = ["{MISSED}"]\n')
    server.reset()
    server.then(model_reply(rubric))
    assert main(check(draft_file, server.base_url, "--no-cache", "--config", str(config))) in (0, 1)
    assert leaked(sent(server)) == []
    capsys.readouterr()


# ----------------------------------------------------------------------------------------------------------------
# recordings are keyed on what the model saw


def test_a_redacted_recording_holds_none_of_them_and_replays_only_redacted(
    server: ScriptedServer, rubric: Rubric, tmp_path: Path
) -> None:
    from evals.recording import StaleRecording, recording_engine, replaying_engine

    store = tmp_path / "recording.jsonl"
    message = Message(text=SENSITIVE, client=CLIENT)
    server.then(model_reply(rubric))
    live = recording_engine(settings_for(server, redact=True, redact_names=(MISSED,)), store).review(message, rubric)
    assert leaked(store.read_text(encoding="utf-8")) == []
    offline = Settings(model=MODEL, redact_names=(MISSED,))
    replayed = replaying_engine(offline.replace(redact=True), store).review(message, rubric)
    assert replayed.model_dump(exclude={"usage"}) == live.model_dump(exclude={"usage"})
    with pytest.raises(StaleRecording):
        replaying_engine(offline, store).review(message, rubric)  # unredacted: another prompt, never its reply
