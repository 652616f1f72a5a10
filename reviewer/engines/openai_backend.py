"""`OpenAIBackend`: chat completions from any OpenAI-compatible server. The only module that imports openai.

The SDK's own retries are off (`max_retries=0`): the engine retries, so the policy (what is retried, how long to
wait, Retry-After) is one piece of code whichever backend is in use. Every SDK error becomes one `EngineError`
subclass with one line naming the server, never the key: messages are scrubbed of the key in case a server echoes it.

`timeout` is a total deadline for one call, not only a wait between reads: a server that drip-feeds its reply a
byte at a time is cut off when it passes, and a reply far longer than `max_tokens` could make is refused.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx2
import openai

from reviewer.config import mask_url
from reviewer.engines.llm_backend import (
    OPENAI_BASE_URL,
    BackendError,
    ChatReply,
    ChatRequest,
    TransientError,
    UnsupportedFormat,
    messages_for_api,
)

T = TypeVar("T")

MAX_CHARS_PER_TOKEN = 32
"""A reply longer than this many characters per requested token is not a model's answer (a runaway or hostile
server): it is refused before it is parsed, fact-checked or cached."""

NO_KEY = "candor-no-key"
"""Sent as the bearer token to servers that need no key (llama.cpp, vLLM, Ollama): the SDK insists on one."""


def response_format(request: ChatRequest) -> dict[str, Any] | None:
    """The `response_format` body for the request's mode."""
    if request.response_mode == "json_schema":
        spec = {"name": "candor_review", "schema": dict(request.schema), "strict": True}
        return {"type": "json_schema", "json_schema": spec}
    if request.response_mode == "json_object_schema":
        return {"type": "json_object", "schema": dict(request.schema)}  # llama.cpp / Anyscale extension
    if request.response_mode == "json_object":
        return {"type": "json_object"}
    return None


def _retry_after(headers: httpx2.Headers | None) -> float | None:
    """Seconds from Retry-After (seconds or an HTTP date) or retry-after-ms."""
    if headers is None:
        return None
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value) if value else None
        except (TypeError, ValueError, OverflowError):
            return None  # "Retry-After: soon": no usable wait, so the usual backoff applies
        return None if parsed is None else max(0.0, parsed.timestamp() - time.time())


class _CallThreads:
    """Daemon threads that run SDK calls (`OpenAIBackend._within_deadline`), each kept for the next call once its
    call returns: starting a thread costs more CPU than the rest of a call's waiting does, on every call. A call past
    its deadline keeps its thread until it returns (or for good, as a new thread would); the others take another."""

    def __init__(self) -> None:
        self._idle: list[queue.SimpleQueue[Callable[[], None]]] = []
        self._lock = threading.Lock()

    def run(self, task: Callable[[], None]) -> None:
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = queue.SimpleQueue()
            threading.Thread(target=self._serve, args=(inbox,), name="candor-llm-call", daemon=True).start()
        inbox.put(task)

    def _serve(self, inbox: queue.SimpleQueue[Callable[[], None]]) -> None:
        while True:
            inbox.get()()  # the task hands its own outcome and errors back (`_within_deadline`)
            with self._lock:
                self._idle.append(inbox)

    def forget(self) -> None:
        """In a forked child: the parent's threads are not there to serve it."""
        self._idle, self._lock = [], threading.Lock()


_CALL_THREADS = _CallThreads()
os.register_at_fork(after_in_child=_CALL_THREADS.forget)


class OpenAIBackend:
    """Talks to `base_url` with the openai SDK; `http_client`/`async_http_client` let tests inject a transport."""

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        timeout: float,
        http_client: httpx2.Client | None = None,
        async_http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        self.base_url = (base_url or OPENAI_BASE_URL).rstrip("/")
        self.where = mask_url(self.base_url)
        """The base URL as printed: a key inside it (`user:KEY@host`) is masked."""
        self._api_key = api_key or NO_KEY
        self.timeout = timeout
        self._timeout = httpx2.Timeout(timeout, connect=min(timeout, 10.0))
        self._client = openai.OpenAI(
            api_key=self._api_key, base_url=self.base_url, timeout=self._timeout, max_retries=0, http_client=http_client
        )
        self._async_http_client = async_http_client
        self._async: tuple[asyncio.AbstractEventLoop, openai.AsyncOpenAI] | None = None
        self._max_completion_tokens = False
        """Set once a server says max_tokens is unsupported (OpenAI reasoning models want max_completion_tokens)."""

    def __repr__(self) -> str:
        return f"OpenAIBackend(base_url={self.where!r})"  # never the key

    def _async_client(self) -> openai.AsyncOpenAI:
        # An async HTTP pool belongs to the event loop that created it; a new loop (a new asyncio.run) gets a new one.
        loop = asyncio.get_running_loop()
        if self._async is None or self._async[0] is not loop:
            client = openai.AsyncOpenAI(
                api_key=self._api_key,
                base_url=self.base_url,
                timeout=self._timeout,
                max_retries=0,
                http_client=self._async_http_client,
            )
            self._async = (loop, client)
        return self._async[1]

    def _kwargs(self, request: ChatRequest) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": messages_for_api(request.messages),
            "temperature": request.temperature,
        }
        if self._max_completion_tokens:
            kwargs["max_completion_tokens"] = request.max_tokens
        else:
            kwargs["max_tokens"] = request.max_tokens
        fmt = response_format(request)
        if fmt is not None:
            # extra_body sends the dict as is: the SDK's typed response_format has no `schema` key for llama.cpp.
            kwargs["extra_body"] = {"response_format": fmt}
        return kwargs

    @staticmethod
    def _max_reply_chars(max_tokens: int) -> int:
        return MAX_CHARS_PER_TOKEN * max(max_tokens, 256)

    def _timed_out(self) -> BackendError:
        where = self.where
        return BackendError(f"no reply from {where} within {self.timeout:g}s (timeout): check the server")

    def _not_a_completion(self, err: BaseException) -> BackendError:
        what = type(err).__name__
        return BackendError(f"{self.where} sent a reply that is not an OpenAI chat completion ({what})")

    def _within_deadline(self, call: Callable[[], T]) -> T:
        """Run a blocking SDK call on a daemon thread and give up at the deadline, however the server trickles."""
        outcome: dict[str, Any] = {}
        done = threading.Event()

        def run() -> None:
            try:
                outcome["value"] = call()
            except BaseException as err:  # noqa: BLE001 - handed back to the caller's thread as is
                outcome["error"] = err
            finally:
                done.set()

        _CALL_THREADS.run(run)
        if not done.wait(self.timeout):
            raise self._timed_out()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]  # type: ignore[no-any-return]

    def _reply(self, completion: Any, started: float, max_tokens: int) -> ChatReply:
        elapsed = (time.perf_counter() - started) * 1000
        choices = getattr(completion, "choices", None) or []
        if not choices:
            raise BackendError(f"{self.where} returned no choices: not an OpenAI-compatible chat completion")
        choice = choices[0]
        message = choice.message
        content = message.content
        if content is None:
            refusal = getattr(message, "refusal", None)
            raise BackendError(f"the model returned no content{f' (refusal: {refusal})' if refusal else ''}")
        if isinstance(content, str) and self._api_key != NO_KEY and len(self._api_key) >= 4:
            content = content.replace(self._api_key, "***")  # a server that echoes the Authorization header
        if isinstance(content, str) and len(content) > self._max_reply_chars(max_tokens):
            raise BackendError(
                f"{self.where} sent a reply of {len(content):,} characters, far more than {max_tokens} tokens: "
                "refused (is it a chat model?)"
            )
        usage = getattr(completion, "usage", None)
        return ChatReply(
            content=content,
            finish_reason=choice.finish_reason,
            prompt_tokens=getattr(usage, "prompt_tokens", None),
            completion_tokens=getattr(usage, "completion_tokens", None),
            model=getattr(completion, "model", None),
            elapsed_ms=elapsed,
        )

    def complete(self, request: ChatRequest) -> ChatReply:
        for _ in range(2):
            started = time.perf_counter()
            try:
                create = functools.partial(self._client.chat.completions.create, **self._kwargs(request))
                completion = self._within_deadline(create)
            except openai.OpenAIError as err:
                if self._switch_token_param(err):
                    continue
                raise self._translate(err, request) from None
            except (ValueError, TypeError, RecursionError) as err:
                raise self._not_a_completion(err) from None
            return self._reply(completion, started, request.max_tokens)
        raise BackendError(f"{self.where} rejected both max_tokens and max_completion_tokens")

    async def acomplete(self, request: ChatRequest) -> ChatReply:
        for _ in range(2):
            started = time.perf_counter()
            try:
                completion = await asyncio.wait_for(
                    self._async_client().chat.completions.create(**self._kwargs(request)), self.timeout
                )
            except TimeoutError:
                raise self._timed_out() from None
            except openai.OpenAIError as err:
                if self._switch_token_param(err):
                    continue
                raise self._translate(err, request) from None
            except (ValueError, TypeError, RecursionError) as err:
                raise self._not_a_completion(err) from None
            return self._reply(completion, started, request.max_tokens)
        raise BackendError(f"{self.where} rejected both max_tokens and max_completion_tokens")

    def _switch_token_param(self, err: openai.OpenAIError) -> bool:
        if (
            isinstance(err, openai.BadRequestError)
            and not self._max_completion_tokens
            and "max_completion_tokens" in str(err)
        ):
            self._max_completion_tokens = True
            return True
        return False

    def _scrub(self, text: str) -> str:
        text = " ".join(text.split()).replace(self.base_url, self.where)
        if self._api_key != NO_KEY and len(self._api_key) >= 4:
            text = text.replace(self._api_key, "***")
        return text[:300]

    def _translate(self, err: openai.OpenAIError, request: ChatRequest) -> BackendError:
        """One line per failure, naming the server and what to do; the key is never included."""
        where = self.where
        if isinstance(err, openai.APITimeoutError):
            return BackendError(f"no reply from {where} within {self.timeout:g}s (timeout): check the server")
        if isinstance(err, openai.APIConnectionError):
            cause = err.__cause__
            if isinstance(cause, httpx2.ConnectError):
                return BackendError(f"cannot connect to {where} (refused or unreachable): is the server running?")
            reason = type(cause).__name__ if cause else "connection error"
            if isinstance(cause, httpx2.RemoteProtocolError | httpx2.ReadError | httpx2.WriteError):
                return TransientError(f"connection to {where} dropped ({reason})")
            return BackendError(f"cannot talk to {where} ({reason}: {self._scrub(str(cause or err))})")
        if isinstance(err, openai.APIStatusError):
            status = err.status_code
            detail = self._scrub(str(getattr(err, "message", "") or err))
            lowered = detail.lower()
            if (
                request.response_mode != "none"
                and status in (400, 422, 500)
                and ("response_format" in lowered or "json_schema" in lowered)
            ):
                # llama.cpp answers an unknown response_format type with a 500 naming the field: not transient.
                return UnsupportedFormat(f"{where} does not accept response_format {request.response_mode}: {detail}")
            if status == 401:
                return BackendError(f"{where} rejected the API key (401): set CANDOR_API_KEY or OPENAI_API_KEY")
            if status == 403:
                return BackendError(f"{where} refused access (403) for model {request.model!r}")
            if status == 404:
                return BackendError(f"{where} has no model {request.model!r} or no chat endpoint (404)")
            wait = _retry_after(err.response.headers)
            if status == 429:
                return TransientError(f"{where} is rate limiting (429)", retry_after=wait)
            if status >= 500:
                return TransientError(f"{where} failed ({status}): {detail}", retry_after=wait)
            return BackendError(f"{where} rejected the request ({status}): {detail}")
        return BackendError(f"{where}: {self._scrub(str(err))}")

    def close(self) -> None:
        self._client.close()


__all__ = ["OPENAI_BASE_URL", "OpenAIBackend", "response_format"]
