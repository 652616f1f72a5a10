"""The seam between the LLM engine and whatever answers chat requests: a live server, a recording, a script.

The engine builds a `ChatRequest` (plain data: no SDK types) and gets a `ChatReply` back. `OpenAIBackend` (in
`openai_backend.py`, the only module that imports openai) talks to any OpenAI-compatible server; `ScriptedBackend`
returns canned replies for tests, demos and the `fake` engine; `LazyBackend` builds a backend on first use, so an
engine can be built (and a cache hit served) without importing the SDK. Backends compose: retries
(`retry.RetryingBackend`) and structured-output negotiation (`modes.NegotiatingBackend`) wrap any backend, and the
eval suite adds its recording and replaying backends (`evals/recording.py`) the same way.

Transport failures are classified here so the wrappers can decide what to retry (`TransientError`) and when to ask
for JSON another way (`UnsupportedFormat`).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
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
    response_mode: ResponseMode | None = None
    """How JSON was asked for, when a `NegotiatingBackend` chose it (not recorded: the request says it)."""

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


def _sha(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def text_hash(text: str, situation: str | None = None, client: str | None = None) -> str:
    """Hash of a message and the context that changes how it is reviewed."""
    return _sha([text, situation, client])[:16]


class LazyBackend:
    """A backend built by `build` on the first request, so that building an engine imports no SDK."""

    def __init__(self, build: Callable[[], ChatBackend], *, label: str = "") -> None:
        self._build = build
        self._label = label
        self._backend: ChatBackend | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return repr(self._backend) if self._backend is not None else f"LazyBackend({self._label})"

    @property
    def backend(self) -> ChatBackend:
        with self._lock:
            if self._backend is None:
                self._backend = self._build()
            return self._backend

    def complete(self, request: ChatRequest) -> ChatReply:
        return self.backend.complete(request)

    async def acomplete(self, request: ChatRequest) -> ChatReply:
        return await self.backend.acomplete(request)

    def close(self) -> None:
        close = getattr(self._backend, "close", None)
        if callable(close):
            close()


ScriptItem = str | ChatReply | BaseException


class ScriptedBackend:
    """Canned replies in order (a string is a reply's content; an exception is raised), or a function of the request.

    For tests, demos and the `fake` engine; every request is kept in `requests`.
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


def messages_for_api(messages: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"role": role, "content": content} for role, content in messages]


__all__ = [
    "OPENAI_BASE_URL",
    "RESPONSE_MODES",
    "BackendError",
    "ChatBackend",
    "ChatReply",
    "ChatRequest",
    "LazyBackend",
    "RequestMeta",
    "ResponseMode",
    "ScriptedBackend",
    "TransientError",
    "UnsupportedFormat",
    "text_hash",
]
