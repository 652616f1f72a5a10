"""Structured-output negotiation around any `ChatBackend`: ask for JSON the best way the server takes.

With `structured_output = "auto"` the first request asks for JSON Schema output; a server that refuses it
(`UnsupportedFormat`) is asked again with `json_object` plus the schema (llama.cpp's extension), then plain JSON
mode. What worked is remembered for the backend's lifetime, so only the first review pays for the probing. An
explicit mode is used alone: a server that refuses it is an error.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from reviewer.engines.llm_backend import (
    RESPONSE_MODES,
    ChatBackend,
    ChatReply,
    ChatRequest,
    ResponseMode,
    UnsupportedFormat,
)
from reviewer.errors import ConfigError, EngineError

log = logging.getLogger("candor.llm")

AUTO_MODES: tuple[ResponseMode, ...] = ("json_schema", "json_object_schema", "json_object")


def modes_for(setting: str) -> tuple[ResponseMode, ...]:
    """The response modes to try, in order, for a `structured_output` setting."""
    if setting == "auto":
        return AUTO_MODES
    if setting not in RESPONSE_MODES:
        raise ConfigError(f"structured_output: must be auto or one of {', '.join(RESPONSE_MODES)}, got {setting!r}")
    return tuple(mode for mode in RESPONSE_MODES if mode == setting)


class NegotiatingBackend:
    """Sends each request with the current response mode, moving to the next one when the server refuses it.

    Replies carry the mode that produced them (`ChatReply.response_mode`).
    """

    def __init__(self, inner: ChatBackend, modes: tuple[ResponseMode, ...]) -> None:
        if not modes:
            raise ConfigError("structured_output: no response mode to try")
        self.inner = inner
        self.modes = modes
        self._index = 0

    def __repr__(self) -> str:
        return f"NegotiatingBackend({self.inner!r})"

    @property
    def mode(self) -> ResponseMode:
        return self.modes[self._index]

    def complete(self, request: ChatRequest) -> ChatReply:
        while True:
            mode = self.mode
            try:
                reply = self.inner.complete(replace(request, response_mode=mode))
            except UnsupportedFormat as err:
                self._next_mode(err, mode)
                continue
            return replace(reply, response_mode=mode)

    async def acomplete(self, request: ChatRequest) -> ChatReply:
        while True:
            mode = self.mode
            try:
                reply = await self.inner.acomplete(replace(request, response_mode=mode))
            except UnsupportedFormat as err:
                self._next_mode(err, mode)
                continue
            return replace(reply, response_mode=mode)

    def _next_mode(self, err: UnsupportedFormat, refused: ResponseMode) -> None:
        if self.mode != refused:
            return  # a concurrent request already moved on
        if self._index + 1 >= len(self.modes):
            raise EngineError(str(err)) from None
        self._index += 1
        log.info("%s; asking with %s instead", err, self.mode)

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()


__all__ = ["AUTO_MODES", "NegotiatingBackend", "modes_for"]
