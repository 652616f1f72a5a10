"""Retries around any `ChatBackend`: one policy, used alike by the blocking and the async path.

429, 5xx and dropped connections (`TransientError`) are retried up to `max_retries` times with exponential backoff
(0.5 s, 1 s, 2 s..., with up to 25% jitter), or after the server's Retry-After when it sends one (more than 60 s
fails at once: a pre-send hook must not hang for minutes). A refused connection, a timeout and every other
`BackendError` are not retried: the server is down or stuck, or the request is wrong, and the user should hear so
promptly. `RetryPolicy.delay` makes every decision; `RetryingBackend` only waits, with `time.sleep` or
`asyncio.sleep`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reviewer.engines.llm_backend import ChatBackend, ChatReply, ChatRequest, TransientError
from reviewer.errors import EngineError

if TYPE_CHECKING:
    from reviewer.config import Settings

log = logging.getLogger("candor.llm")

MAX_RETRY_AFTER = 60.0
"""A server asking for a longer wait than this gets an error now rather than a hook that hangs for minutes."""
MAX_BACKOFF = 20.0


@dataclass(frozen=True)
class RetryPolicy:
    """When to retry a transient failure and how long to wait first."""

    max_retries: int = 3
    backoff: float = 0.5
    """First wait in seconds; doubles with each retry (tests make it small)."""
    max_backoff: float = MAX_BACKOFF
    max_retry_after: float = MAX_RETRY_AFTER
    jitter: Callable[[], float] = field(default=random.random, compare=False)
    """A number in [0, 1) scaling the 25% jitter."""

    @classmethod
    def from_settings(cls, settings: Settings, *, backoff: float = 0.5) -> RetryPolicy:
        return cls(max_retries=settings.max_retries, backoff=backoff)

    def delay(self, err: TransientError, attempt: int) -> float:
        """Seconds to wait before retrying after failed attempt number `attempt` (0-based).

        Raises `EngineError` (one line, saying how many attempts were made) when it is time to give up.
        """
        if attempt >= self.max_retries:
            tries = f"{attempt + 1} attempt{'s' if attempt else ''}"
            raise EngineError(f"{err} (gave up after {tries})") from None
        if err.retry_after is not None:
            if err.retry_after > self.max_retry_after:
                raise EngineError(f"{err}: the server asks to wait {err.retry_after:.0f}s; try again later") from None
            return err.retry_after
        delay = min(self.max_backoff, self.backoff * 2.0**attempt)
        return delay * (1 + 0.25 * self.jitter())


class RetryingBackend:
    """Passes requests to `inner`, retrying transient failures as `policy` says."""

    def __init__(
        self,
        inner: ChatBackend,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.inner = inner
        self.policy = policy
        self._sleep = sleep
        self._async_sleep = async_sleep

    def __repr__(self) -> str:
        return f"RetryingBackend({self.inner!r})"

    def complete(self, request: ChatRequest) -> ChatReply:
        attempt = 0
        while True:
            try:
                return self.inner.complete(request)
            except TransientError as err:
                delay = self._wait(err, attempt)
            self._sleep(delay)
            attempt += 1

    async def acomplete(self, request: ChatRequest) -> ChatReply:
        attempt = 0
        while True:
            try:
                return await self.inner.acomplete(request)
            except TransientError as err:
                delay = self._wait(err, attempt)
            await self._async_sleep(delay)
            attempt += 1

    def _wait(self, err: TransientError, attempt: int) -> float:
        delay = self.policy.delay(err, attempt)
        log.info("%s; retrying in %.1fs", err, delay)
        return delay

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()


__all__ = ["MAX_BACKOFF", "MAX_RETRY_AFTER", "RetryPolicy", "RetryingBackend"]
