"""The seam between the LLM engine and whatever answers chat requests: a live server, a recording, a script.

The engine builds a `ChatRequest` (plain data: no SDK types) and gets a `ChatReply` back. `OpenAIBackend` (in
`openai_backend.py`, the only module that imports openai) talks to any OpenAI-compatible server;
`RecordingBackend` wraps any backend and appends every reply to a JSONL file; `ReplayBackend` answers from such a
file, so evals run offline and deterministically; `ScriptedBackend` returns canned replies for tests and demos.

A recording is keyed by a fingerprint of (model, prompt hash, rubric hash, message hash, run index, attempt). A
replay that finds nothing for a request, or finds a reply recorded under another model, prompt or rubric, raises
`StaleRecording`: a recording is never reused for a request it was not made for. Transport failures are classified
here so the engine can decide what to retry (`TransientError`) and when to ask for JSON another way
(`UnsupportedFormat`).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from reviewer.errors import EngineError

OPENAI_BASE_URL = "https://api.openai.com/v1"
"""Where requests go when only an API key is configured (the openai SDK's own default)."""
ResponseMode = Literal["json_schema", "json_object_schema", "json_object", "none"]
RESPONSE_MODES: tuple[ResponseMode, ...] = ("json_schema", "json_object_schema", "json_object", "none")


@dataclass(frozen=True)
class RequestMeta:
    """Where a request comes from, for recordings: which prompt, rubric and message, which run and attempt."""

    prompt_hash: str
    rubric_hash: str
    text_hash: str
    run: int = 0
    attempt: int = 0
    """0 for the review call, 1 for the repair call after an invalid reply."""


@dataclass(frozen=True)
class ChatRequest:
    """One chat-completion request, as plain data."""

    model: str
    messages: tuple[tuple[str, str], ...]
    """(role, content) pairs: system, user, and for a repair the assistant's reply and the correction."""
    temperature: float
    max_tokens: int
    schema: Mapping[str, Any]
    """JSON Schema of the reply; how it is sent depends on `response_mode`."""
    meta: RequestMeta
    response_mode: ResponseMode = "json_schema"

    @property
    def fingerprint(self) -> str:
        """The recording key: model, prompt and rubric hashes, message hash, run index and attempt."""
        m = self.meta
        return _sha([self.model, m.prompt_hash, m.rubric_hash, m.text_hash, m.run, m.attempt])

    @property
    def digest(self) -> str:
        """Everything sent except the response mode (a transport negotiation, not part of what is asked)."""
        return _sha([self.model, self.messages, self.temperature, self.max_tokens, self.schema])


@dataclass(frozen=True)
class ChatReply:
    content: str
    finish_reason: str | None = "stop"
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    model: str | None = None
    """The model name the server reports (may differ from the one asked for)."""
    elapsed_ms: float = 0.0
    """Time spent waiting for the server (replays report the recorded time)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "finish_reason": self.finish_reason,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "model": self.model,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChatReply:
        return cls(
            content=str(data.get("content") or ""),
            finish_reason=data.get("finish_reason"),
            prompt_tokens=data.get("prompt_tokens"),
            completion_tokens=data.get("completion_tokens"),
            model=data.get("model"),
            elapsed_ms=float(data.get("elapsed_ms") or 0.0),
        )


@runtime_checkable
class ChatBackend(Protocol):
    """Anything that answers a `ChatRequest`, synchronously and asynchronously."""

    def complete(self, request: ChatRequest) -> ChatReply: ...

    async def acomplete(self, request: ChatRequest) -> ChatReply: ...


class BackendError(EngineError):
    """A backend failed in a way retrying will not fix (auth, not found, bad request)."""


class TransientError(BackendError):
    """Worth retrying: 429, 5xx, a dropped connection. `retry_after` is the server's Retry-After, in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnsupportedFormat(BackendError):
    """The server rejected the response_format; the engine tries the next way of asking for JSON."""


class StaleRecording(EngineError):
    """A replay has no reply recorded for this request, or one recorded with another model, prompt or rubric."""


def _sha(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def text_hash(text: str, situation: str | None = None, client: str | None = None) -> str:
    """Hash of a message and the context that changes how it is reviewed."""
    return _sha([text, situation, client])[:16]


class RecordingBackend:
    """Passes requests to `inner` and appends each successful reply to a JSONL file (one line per reply).

    Failures are never recorded. Recording the same request again appends a new line; the newest line wins on replay.
    """

    def __init__(self, inner: ChatBackend, store_path: Path) -> None:
        self.inner = inner
        self.store_path = Path(store_path)
        self._lock = threading.Lock()

    def _append(self, request: ChatRequest, reply: ChatReply) -> None:
        m = request.meta
        line = {
            "fingerprint": request.fingerprint,
            "digest": request.digest,
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
        reply = self.inner.complete(request)
        self._append(request, reply)
        return reply

    async def acomplete(self, request: ChatRequest) -> ChatReply:
        reply = await self.inner.acomplete(request)
        self._append(request, reply)
        return reply


class ReplayBackend:
    """Answers from a JSONL recording; anything not recorded for exactly this request raises `StaleRecording`."""

    def __init__(self, store_path: Path) -> None:
        self.store_path = Path(store_path)
        self._by_fingerprint: dict[str, dict[str, Any]] = {}
        self._by_message: dict[tuple[str, int, int], dict[str, Any]] = {}
        try:
            lines = self.store_path.read_text(encoding="utf-8").splitlines()
        except OSError as err:
            raise StaleRecording(f"replay: cannot read recording {self.store_path}: {err.strerror}") from None
        for number, raw in enumerate(lines, 1):
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw)
                key = (str(entry["text_hash"]), int(entry["run"]), int(entry["attempt"]))
                self._by_fingerprint[str(entry["fingerprint"])] = entry
                self._by_message[key] = entry
            except (ValueError, KeyError, TypeError):
                raise StaleRecording(f"replay: {self.store_path}:{number}: not a Candor recording line") from None

    def __len__(self) -> int:
        return len(self._by_fingerprint)

    def lookup(self, request: ChatRequest) -> ChatReply:
        entry = self._by_fingerprint.get(request.fingerprint)
        m = request.meta
        if entry is None:
            other = self._by_message.get((m.text_hash, m.run, m.attempt))
            if other is None:
                raise StaleRecording(
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
            raise StaleRecording(
                f"replay: the recording in {self.store_path} is stale for message {m.text_hash} "
                f"({'; '.join(changed)}); re-record it"
            )
        if entry.get("digest") != request.digest:
            raise StaleRecording(
                f"replay: the recording in {self.store_path} for message {m.text_hash} was made with other request "
                "settings (temperature, max_output_tokens, token budget or prompt rendering); re-record it"
            )
        return ChatReply.from_dict(entry["reply"])

    def complete(self, request: ChatRequest) -> ChatReply:
        return self.lookup(request)

    async def acomplete(self, request: ChatRequest) -> ChatReply:
        return self.lookup(request)


ScriptItem = str | ChatReply | BaseException


class ScriptedBackend:
    """Canned replies in order (a string is a reply's content; an exception is raised), or a function of the request.

    For tests, evals smoke runs and demos; every request is kept in `requests`.
    """

    def __init__(self, script: Iterable[ScriptItem] | Callable[[ChatRequest], ScriptItem]) -> None:
        self._fn = script if callable(script) else None
        self._items: list[ScriptItem] = [] if callable(script) else list(script)
        self.requests: list[ChatRequest] = []
        self._lock = threading.Lock()

    def complete(self, request: ChatRequest) -> ChatReply:
        with self._lock:
            self.requests.append(request)
            if self._fn is not None:
                item = self._fn(request)
            elif self._items:
                item = self._items.pop(0)
            else:
                raise EngineError("scripted backend: no reply left in the script")
        if isinstance(item, BaseException):
            raise item
        if isinstance(item, ChatReply):
            return item
        return ChatReply(content=item, model=request.model)

    async def acomplete(self, request: ChatRequest) -> ChatReply:
        return self.complete(request)


@dataclass
class CallLog:
    """What the backend did for one review, for usage and benchmarks."""

    calls: int = 0
    server_ms: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    modes: list[str] = field(default_factory=list)


def messages_for_api(messages: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"role": role, "content": content} for role, content in messages]


__all__ = [
    "OPENAI_BASE_URL",
    "RESPONSE_MODES",
    "BackendError",
    "CallLog",
    "ChatBackend",
    "ChatReply",
    "ChatRequest",
    "RecordingBackend",
    "ReplayBackend",
    "RequestMeta",
    "ResponseMode",
    "ScriptedBackend",
    "StaleRecording",
    "TransientError",
    "UnsupportedFormat",
    "text_hash",
]
