"""Recorded model replies for the eval suite: record once against a live server, replay offline for ever.

`RecordingBackend` wraps any backend and appends every successful reply to a JSONL file; `ReplayBackend` answers
from such a file, so evals run offline and deterministically. `recording_engine` and `replaying_engine` put them
under the ordinary LLM stack (`reviewer.engines.llm_stack.llm_engine`), with no cache and no fail-open: every
message must reach the server when recording, and a stale recording must surface, never turn into a rules review.

A reply is keyed on what the model was asked (`fingerprint`): the rendered messages, the reply schema, the model
and its sampling settings (`digest`), plus the run index and the attempt. Not on the rubric file's hash: a regex
cue the model never sees can change without invalidating a recording, while any change to the prompt the model
reads (a dimension's question, anchors or examples, a template, a disabled dimension) does. A replay that finds
nothing for a request raises `StaleRecording`, naming what changed when the message was recorded under other
conditions (model, prompt templates, rubric, sampling settings).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path
from typing import Any

from reviewer.config import Settings
from reviewer.engines import Engine
from reviewer.engines.llm import check_settings
from reviewer.engines.llm_backend import ChatBackend, ChatReply, ChatRequest
from reviewer.engines.llm_stack import llm_engine, openai_backend
from reviewer.errors import EngineError


class StaleRecording(EngineError):
    """A replay has no reply recorded for this request, or one recorded with another model, prompt or rubric."""


def _sha(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def digest(request: ChatRequest) -> str:
    """What the model is asked: model, messages, sampling and reply schema (not the response mode, a transport
    negotiation)."""
    return _sha([request.model, request.messages, request.temperature, request.max_tokens, request.schema])


def fingerprint_of(request_digest: str, run: int, attempt: int) -> str:
    return _sha([request_digest, run, attempt])


def fingerprint(request: ChatRequest) -> str:
    """The recording key: what the model is asked (`digest`), the run index and the attempt."""
    return fingerprint_of(digest(request), request.meta.run, request.meta.attempt)


class RecordingBackend:
    """Passes requests to `inner` and appends each successful reply to a JSONL file (one line per reply).

    Failures are never recorded. Recording the same request again appends a new line; the newest line wins on replay.
    The prompt and rubric hashes are kept beside the key, to say what changed when a replay finds it stale.
    """

    def __init__(self, inner: ChatBackend, store_path: Path, *, resume: bool = False) -> None:
        self.inner = inner
        self.store_path = Path(store_path)
        self._lock = threading.Lock()
        self._done: dict[str, dict[str, Any]] = {}
        """With `resume`, replies already recorded for exactly this request: an interrupted recording goes on
        where it stopped instead of asking the model (minutes a review on a CPU) again."""
        if resume and self.store_path.is_file():
            self._done = {str(e["fingerprint"]): e for e in read_recording(self.store_path)}

    def __repr__(self) -> str:
        return f"RecordingBackend({self.inner!r}, {str(self.store_path)!r})"

    def _append(self, request: ChatRequest, reply: ChatReply) -> None:
        m = request.meta
        line = {
            "fingerprint": fingerprint(request),
            "digest": digest(request),
            "model": request.model,
            "prompt_hash": m.prompt_hash,
            "rubric_hash": m.rubric_hash,
            "text_hash": m.text_hash,
            "run": m.run,
            "attempt": m.attempt,
            "response_mode": request.response_mode,
            "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "reply": reply.to_dict(),
        }
        with self._lock:
            self.store_path.parent.mkdir(parents=True, exist_ok=True)
            with self.store_path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")

    def complete(self, request: ChatRequest) -> ChatReply:
        done = self._done.get(fingerprint(request))
        if done is not None:
            return ChatReply.from_dict(done["reply"])
        reply = self.inner.complete(request)
        self._append(request, reply)
        return reply

    async def acomplete(self, request: ChatRequest) -> ChatReply:
        done = self._done.get(fingerprint(request))
        if done is not None:
            return ChatReply.from_dict(done["reply"])
        reply = await self.inner.acomplete(request)
        self._append(request, reply)
        return reply

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()


def read_recording(store_path: Path) -> list[dict[str, Any]]:
    """Every line of a recording, checked for the fields a replay needs; `StaleRecording` names a bad line."""
    try:
        lines = Path(store_path).read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise StaleRecording(f"replay: cannot read recording {store_path}: {err.strerror}") from None
    entries = []
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
            str(entry["fingerprint"]), str(entry["text_hash"]), int(entry["run"]), int(entry["attempt"])
        except (ValueError, KeyError, TypeError):
            raise StaleRecording(f"replay: {store_path}:{number}: not a Candor recording line") from None
        entries.append(entry)
    return entries


class ReplayBackend:
    """Answers from a JSONL recording; anything not recorded for exactly this request raises `StaleRecording`."""

    def __init__(self, store_path: Path) -> None:
        self.store_path = Path(store_path)
        self._by_fingerprint: dict[str, dict[str, Any]] = {}
        self._by_message: dict[tuple[str, int, int], dict[str, Any]] = {}
        for entry in read_recording(self.store_path):
            self._by_fingerprint[str(entry["fingerprint"])] = entry
            self._by_message[(str(entry["text_hash"]), int(entry["run"]), int(entry["attempt"]))] = entry

    def __repr__(self) -> str:
        return f"ReplayBackend({str(self.store_path)!r})"

    def __len__(self) -> int:
        return len(self._by_fingerprint)

    def lookup(self, request: ChatRequest) -> ChatReply:
        entry = self._by_fingerprint.get(fingerprint(request))
        if entry is None:
            raise self._stale(request)
        return ChatReply.from_dict(entry["reply"])

    def _stale(self, request: ChatRequest) -> StaleRecording:
        m = request.meta
        other = self._by_message.get((m.text_hash, m.run, m.attempt))
        if other is None:
            return StaleRecording(
                f"replay: no recorded reply for message {m.text_hash} (run {m.run}, attempt {m.attempt}) in "
                f"{self.store_path}; record it against a live server first"
            )
        changed = [
            f"{what} {other.get(key)!r} -> {now!r}"
            for what, key, now in (
                ("model", "model", request.model),
                ("prompt", "prompt_hash", m.prompt_hash),
                ("rubric", "rubric_hash", m.rubric_hash),
            )
            if other.get(key) != now
        ]
        if not changed:
            return StaleRecording(
                f"replay: the recording in {self.store_path} for message {m.text_hash} was made with other request "
                "settings (temperature, max_output_tokens or prompt rendering); re-record it"
            )
        return StaleRecording(
            f"replay: the recording in {self.store_path} is stale for message {m.text_hash} "
            f"({'; '.join(changed)}): the model would see another prompt; re-record it"
        )

    def complete(self, request: ChatRequest) -> ChatReply:
        return self.lookup(request)

    async def acomplete(self, request: ChatRequest) -> ChatReply:
        return self.lookup(request)


def recording_engine(
    settings: Settings, store_path: Path, *, with_rules: bool = False, run: int = 0, resume: bool = False
) -> Engine:
    """The LLM engine calling the configured server and appending every reply to `store_path` (JSONL); with
    `resume`, a request already recorded is answered from the recording."""
    check_settings(settings, needs_endpoint=True)
    backend = RecordingBackend(openai_backend(settings), store_path, resume=resume)
    return llm_engine(settings, rules=with_rules, backend=backend, cache=None, fail_open=False, run=run)


def replaying_engine(settings: Settings, store_path: Path, *, with_rules: bool = False, run: int = 0) -> Engine:
    """The LLM engine answering only from `store_path`; a miss or a stale recording raises `StaleRecording`."""
    backend = ReplayBackend(store_path)
    # A replay sends nothing; it must ask what was asked when recording, redacted only if that was (the meta file).
    redact = bool(settings.redact)
    return llm_engine(settings, rules=with_rules, backend=backend, cache=None, fail_open=False, run=run, redact=redact)


__all__ = [
    "RecordingBackend",
    "ReplayBackend",
    "StaleRecording",
    "digest",
    "fingerprint",
    "read_recording",
    "recording_engine",
    "replaying_engine",
]
