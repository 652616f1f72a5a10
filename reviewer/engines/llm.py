"""The LLM engine: one structured call to any OpenAI-compatible model, checked before anything reaches the user.

Flow for one message: cache lookup -> prompt from `prompts/` (langchain-core) -> token count and budget (threads
trimmed to the newest message) -> one chat request asking for JSON (json_schema where the server takes it) ->
parse and check (every dimension, scores 1-5; one repair request if not) -> quotes located in the draft -> rewrite
compared with the draft fact by fact -> the same `Review` the rules engine returns, scored with the same gate.

Registered as "llm" and "rules+llm". rules+llm keeps the rules engine's findings and missing elements (exact,
explainable) and takes the model's scores, rationales, evidence, suggestions and rewrite. With `fail_open`, any
model failure returns the rules review with a note instead of an error.

This module imports neither openai, tiktoken nor langchain at import time: the transport (`OpenAIBackend`) is built
on the first call that needs it, and langchain is imported on the first prompt render, so a cache hit needs neither.

Retries: 429, 5xx and dropped connections are retried up to `max_retries` times with exponential backoff (0.5 s,
1 s, 2 s..., with jitter), or after the server's Retry-After when it sends one (more than 60 s fails at once). A
refused connection and a timeout are not retried: the server is down or stuck, and a pre-send hook should say so
promptly.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from reviewer.cache import ReviewCache, cache_key, default_cache_dir
from reviewer.config import Settings
from reviewer.engines import register_engine
from reviewer.engines.llm_backend import (
    OPENAI_BASE_URL,
    RESPONSE_MODES,
    ChatBackend,
    ChatReply,
    ChatRequest,
    RecordingBackend,
    ReplayBackend,
    RequestMeta,
    ResponseMode,
    TransientError,
    UnsupportedFormat,
    text_hash,
)
from reviewer.engines.llm_output import InvalidReply, ModelReview, locate_all, parse_reply
from reviewer.engines.llm_prompt import PromptSet, reply_schema
from reviewer.engines.rules import RulesEngine
from reviewer.errors import ConfigError, EngineError
from reviewer.facts import compare_facts
from reviewer.models import DimensionScore, Finding, Message, Missing, Review, Rewrite, Usage
from reviewer.rubric import Rubric
from reviewer.scoring import judged_review, overall_score, verdict_for
from reviewer.tokens import count_messages, count_tokens, estimate_cost, token_counter

log = logging.getLogger("candor.llm")

HOW_TO_CONFIGURE = (
    "the llm engine needs a model and an endpoint: set CANDOR_MODEL and CANDOR_BASE_URL "
    "(e.g. http://127.0.0.1:8080/v1) or pass --model and --base-url; for api.openai.com, set OPENAI_API_KEY "
    "instead of a base URL"
)
MAX_RETRY_AFTER = 60.0
"""A server asking for a longer wait than this gets an error now rather than a hook that hangs for minutes."""
MAX_BACKOFF = 20.0
MAX_SUGGESTIONS = 8
_REPAIR_ECHO_CHARS = 12_000
"""How much of an invalid reply is sent back with the repair request (a runaway reply is not echoed whole)."""


@dataclass
class Timings:
    """Where one review's time went, in milliseconds (for benchmarks; the last review's, per engine)."""

    prompt_ms: float = 0.0
    tokens_ms: float = 0.0
    validate_ms: float = 0.0
    facts_ms: float = 0.0
    rules_ms: float = 0.0
    server_ms: float = 0.0
    cache_ms: float = 0.0
    total_ms: float = 0.0
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    modes: list[str] = field(default_factory=list)

    @property
    def overhead_ms(self) -> float:
        """Candor's own work: prompt, tokens, validation and the fact check (not the server, not the rules)."""
        return self.prompt_ms + self.tokens_ms + self.validate_ms + self.facts_ms


@dataclass
class _Prepared:
    message: Message
    request: ChatRequest
    prompt_tokens: int
    notes: list[str]


def _modes_for(setting: str) -> tuple[ResponseMode, ...]:
    if setting == "auto":
        return ("json_schema", "json_object_schema", "json_object")
    if setting not in RESPONSE_MODES:
        raise ConfigError(f"structured_output: must be auto or one of {', '.join(RESPONSE_MODES)}, got {setting!r}")
    return tuple(mode for mode in RESPONSE_MODES if mode == setting)


def _check_settings(settings: Settings, *, needs_endpoint: bool) -> None:
    if not settings.model or (needs_endpoint and not settings.base_url and not settings.api_key):
        raise ConfigError(HOW_TO_CONFIGURE)
    if settings.base_url is not None:
        _check_base_url(settings.base_url)


def _check_base_url(url: str) -> None:
    """A typo in the endpoint is a config error (exit 2), not a server that seems down (exit 3)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError as err:
        raise ConfigError(f"base_url: {url!r} is not a valid URL ({err})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"base_url: expected an http(s) URL such as http://127.0.0.1:8080/v1, got {url!r}")


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())[:6]
    return "_".join(words) or "missing"


class LLMEngine:
    """Reviews with a model behind any `ChatBackend`; `rules` makes it the rules+llm engine.

    Args:
        settings: model, base_url, api_key, sampling, budget, retries, cache and fail_open come from here.
        backend: where requests go. None builds an `OpenAIBackend` for `settings.base_url` on first use; pass a
            `ReplayBackend`, `RecordingBackend` or `ScriptedBackend` for evals and tests.
        rules: a `RulesEngine` to combine with (rules+llm); None for the model alone.
        cache: a `ReviewCache`, None for no cache, or "auto": the user cache when `settings.cache` is on and no
            backend was given (recordings and scripts are not cached, so a replay is never masked by a cache hit).
        run: run index for repeated sampling; part of the cache key and of recording fingerprints.
        prompts: the prompt templates (default: loaded from `settings.prompts_dir` or the built-in folder).
        backoff: first retry delay in seconds (doubles each retry); tests make it small.
        sleep: how to wait between retries (tests may record instead of sleeping).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        backend: ChatBackend | None = None,
        rules: RulesEngine | None = None,
        cache: ReviewCache | Literal["auto"] | None = "auto",
        run: int = 0,
        prompts: PromptSet | None = None,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        _check_settings(settings, needs_endpoint=backend is None)
        self.settings = settings
        self.model: str = settings.model or ""
        self.base_url = (settings.base_url or OPENAI_BASE_URL).rstrip("/")
        self.rules = rules
        self.kind = "rules+llm" if rules is not None else "llm"
        self.name = f"{self.kind}:{settings.model}"
        self.run = run
        self.prompts = prompts or PromptSet.load(settings.prompts_dir)
        self._backend = backend
        if cache == "auto":
            cache = ReviewCache(default_cache_dir(settings.cache_dir)) if settings.cache and backend is None else None
        self.cache = cache
        self._modes = _modes_for(settings.structured_output)
        self._mode_index = 0
        self._backoff = backoff
        self._sleep = sleep
        self.last_timings = Timings()

    # ----------------------------------------------------------------------------------------------------------
    # construction helpers for evals

    @classmethod
    def recording(cls, settings: Settings, store_path: Path, *, with_rules: bool = False, run: int = 0) -> LLMEngine:
        """An engine that calls the configured server and appends every reply to `store_path` (JSONL).

        No cache (every message reaches the server) and no fail-open (a failure must not be recorded as a review).
        """
        from reviewer.engines.openai_backend import OpenAIBackend

        _check_settings(settings, needs_endpoint=True)
        live = OpenAIBackend(base_url=settings.base_url, api_key=settings.api_key, timeout=settings.timeout)
        rules = RulesEngine(settings.gate) if with_rules else None
        strict = settings.replace(fail_open=False)
        return cls(strict, backend=RecordingBackend(live, store_path), rules=rules, cache=None, run=run)

    @classmethod
    def replaying(cls, settings: Settings, store_path: Path, *, with_rules: bool = False, run: int = 0) -> LLMEngine:
        """An engine that answers only from `store_path`; a miss or a stale recording raises `StaleRecording`.

        Fail-open is off: a stale recording must surface, never turn quietly into a rules review.
        """
        rules = RulesEngine(settings.gate) if with_rules else None
        strict = settings.replace(fail_open=False)
        return cls(strict, backend=ReplayBackend(store_path), rules=rules, cache=None, run=run)

    @property
    def backend(self) -> ChatBackend:
        if self._backend is None:
            from reviewer.engines.openai_backend import OpenAIBackend

            s = self.settings
            self._backend = OpenAIBackend(base_url=s.base_url, api_key=s.api_key, timeout=s.timeout)
        return self._backend

    def close(self) -> None:
        close = getattr(self._backend, "close", None)
        if callable(close):
            close()
        if self.cache is not None:
            self.cache.close()

    # ----------------------------------------------------------------------------------------------------------
    # public API

    def review(self, message: Message, rubric: Rubric) -> Review:
        """Review one message (blocking). Raises `EngineError` unless `fail_open` is set."""
        try:
            return self._review(message, rubric)
        except EngineError as err:
            if not self.settings.fail_open:
                raise
            return self._fallback(err, message, rubric)

    async def areview(self, message: Message, rubric: Rubric) -> Review:
        """Review one message without blocking the event loop."""
        try:
            return await self._areview(message, rubric)
        except EngineError as err:
            if not self.settings.fail_open:
                raise
            return self._fallback(err, message, rubric)

    async def areview_many(
        self, messages: Sequence[Message], rubric: Rubric, *, concurrency: int | None = None
    ) -> list[Review | EngineError]:
        """Review many messages with at most `concurrency` (default `settings.concurrency`) requests in flight.

        Results come back in input order; a message the engine could not review yields its `EngineError`, so one
        failure never loses a batch.
        """
        limit = asyncio.Semaphore(max(1, concurrency or self.settings.concurrency))

        async def one(message: Message) -> Review | EngineError:
            async with limit:
                try:
                    return await self.areview(message, rubric)
                except EngineError as err:
                    return err

        return list(await asyncio.gather(*(one(m) for m in messages)))

    def review_many(
        self, messages: Sequence[Message], rubric: Rubric, *, concurrency: int | None = None
    ) -> list[Review | EngineError]:
        """`areview_many` for synchronous callers (not from inside a running event loop)."""
        return asyncio.run(self.areview_many(messages, rubric, concurrency=concurrency))

    # ----------------------------------------------------------------------------------------------------------
    # the review, sans I/O: a generator that yields requests and receives replies

    def _review(self, message: Message, rubric: Rubric) -> Review:
        started = time.perf_counter()
        timings = Timings()
        key, hit = self._cached(message, rubric, started, timings)
        if hit is not None:
            return hit
        steps = self._steps(message, rubric, timings, started)
        request = next(steps)
        while True:
            reply = self._send(request, timings)
            try:
                request = steps.send(reply)
            except StopIteration as done:
                review: Review = done.value
                break
        return self._store(key, review)

    async def _areview(self, message: Message, rubric: Rubric) -> Review:
        started = time.perf_counter()
        timings = Timings()
        key, hit = self._cached(message, rubric, started, timings)
        if hit is not None:
            return hit
        steps = self._steps(message, rubric, timings, started)
        request = next(steps)
        while True:
            reply = await self._asend(request, timings)
            try:
                request = steps.send(reply)
            except StopIteration as done:
                review: Review = done.value
                break
        return self._store(key, review)

    def _steps(
        self, message: Message, rubric: Rubric, timings: Timings, started: float
    ) -> Generator[ChatRequest, ChatReply, Review]:
        prepared = self._prepare(message, rubric, timings)
        reply = yield prepared.request
        clock = time.perf_counter()
        try:
            parsed = parse_reply(reply.content, rubric)
        except InvalidReply as first:
            timings.validate_ms += (time.perf_counter() - clock) * 1000
            log.info("invalid reply from %s, asking once for a repair: %s", self.model, first)
            repair = self._repair_request(prepared.request, reply.content, first.errors)
            reply = yield repair
            clock = time.perf_counter()
            try:
                parsed = parse_reply(reply.content, rubric)
            except InvalidReply as second:
                more = f" (and {len(second.errors) - 1} more)" if len(second.errors) > 1 else ""
                raise EngineError(
                    f"the model's reply was not a valid review after one repair: {second.errors[0]}{more}"
                ) from None
            prepared.notes.append("The model's first reply was invalid; this is its corrected reply.")
        timings.validate_ms += (time.perf_counter() - clock) * 1000
        return self._build(prepared, parsed, rubric, timings, started)

    def _prepare(self, message: Message, rubric: Rubric, timings: Timings) -> _Prepared:
        budget = self.settings.token_budget
        notes: list[str] = []
        clock = time.perf_counter()
        messages = self.prompts.render(rubric, message.text, situation=message.situation, client=message.client)
        timings.prompt_ms += (time.perf_counter() - clock) * 1000
        clock = time.perf_counter()
        tokens = count_messages((content for _, content in messages), self.model)
        timings.tokens_ms += (time.perf_counter() - clock) * 1000
        reviewed = message
        if tokens > budget:
            from reviewer.inputs import strip_quoted

            newest = strip_quoted(message.text)
            if newest and len(newest) < len(message.text.strip()):
                clock = time.perf_counter()
                trimmed = self.prompts.render(rubric, newest, situation=message.situation, client=message.client)
                timings.prompt_ms += (time.perf_counter() - clock) * 1000
                clock = time.perf_counter()
                trimmed_tokens = count_messages((content for _, content in trimmed), self.model)
                timings.tokens_ms += (time.perf_counter() - clock) * 1000
                if trimmed_tokens <= budget:
                    notes.append(
                        f"The thread was trimmed to the newest message to fit the token budget ({tokens} > {budget} "
                        "prompt tokens); earlier messages were not reviewed."
                    )
                    reviewed, messages, tokens = message.model_copy(update={"text": newest}), trimmed, trimmed_tokens
            if tokens > budget:
                raise EngineError(
                    f"the prompt needs {tokens} tokens, over the token budget of {budget} (token_budget): "
                    "shorten the draft or raise token_budget"
                )
        if not token_counter().exact:
            notes.append("Token counts are estimates (chars/4): the bundled cl100k_base data could not be loaded.")
        request = ChatRequest(
            model=self.model,
            messages=messages,
            temperature=self.settings.temperature,
            max_tokens=self.settings.max_output_tokens,
            schema=reply_schema(rubric),
            meta=RequestMeta(
                prompt_hash=self.prompts.hash,
                rubric_hash=rubric.hash,
                text_hash=text_hash(message.text, message.situation, message.client),
                run=self.run,
            ),
        )
        return _Prepared(message=reviewed, request=request, prompt_tokens=tokens, notes=notes)

    def _repair_request(self, request: ChatRequest, content: str, errors: list[str]) -> ChatRequest:
        messages = (
            *request.messages,
            ("assistant", content[:_REPAIR_ECHO_CHARS]),
            ("user", self.prompts.render_repair(errors)),
        )
        return replace(request, messages=messages, meta=replace(request.meta, attempt=1))

    def _build(
        self, prepared: _Prepared, parsed: ModelReview, rubric: Rubric, timings: Timings, started: float
    ) -> Review:
        message = prepared.message
        text = message.text
        notes = prepared.notes
        clock = time.perf_counter()
        dimensions: list[DimensionScore] = []
        dropped = quoted = 0
        for dim in rubric.dimensions:
            scored = parsed.dimensions[dim.id]
            evidence, lost = locate_all(text, scored.evidence)
            dropped += lost
            quoted += len(scored.evidence)
            dimensions.append(
                DimensionScore(
                    id=dim.id, title=dim.title, score=scored.score, rationale=scored.rationale, evidence=evidence
                )
            )
        timings.validate_ms += (time.perf_counter() - clock) * 1000
        if dropped:
            notes.append(f"{dropped} of {quoted} quotes from the model were not found in the draft and were dropped.")
        if parsed.ignored:
            unknown = ", ".join(parsed.ignored)
            notes.append(f"The model scored dimensions the rubric does not have ({unknown}); they were ignored.")

        clock = time.perf_counter()
        rewrite = None
        if parsed.rewrite:
            rewrite = Rewrite(text=parsed.rewrite, source="model", changed_facts=compare_facts(text, parsed.rewrite))
        timings.facts_ms += (time.perf_counter() - clock) * 1000
        if rewrite is not None and rewrite.changed_facts:
            count = len(rewrite.changed_facts)
            facts = f"{count} fact{'s' if count > 1 else ''}"
            notes.append(f"The suggested rewrite changes {facts}: check them before using it.")

        unique = dict.fromkeys(parsed.missing)  # small models repeat themselves
        model_missing = tuple(
            Missing(id=_slug(what), dimension=dim, severity="minor", message=what) for dim, what in unique
        )
        suggestions = list(parsed.suggestions)
        findings: tuple[Finding, ...] = ()
        missing: tuple[Missing, ...]
        if self.rules is not None:
            clock = time.perf_counter()
            rules_review = self.rules.review(message, rubric)
            timings.rules_ms += (time.perf_counter() - clock) * 1000
            findings = rules_review.findings
            missing = rules_review.missing
            suggestions += [f"Missing: {m.message}" for m in model_missing] + list(rules_review.suggestions)
        else:
            missing = model_missing
        timings.total_ms = (time.perf_counter() - started) * 1000
        self.last_timings = timings
        return judged_review(
            engine=self.name,
            rubric=rubric,
            message=message,
            text=text,
            dimensions=dimensions,
            findings=findings,
            gate=self.settings.gate,
            missing=missing,
            suggestions=tuple(dict.fromkeys(s for s in suggestions if s))[:MAX_SUGGESTIONS],
            rewrite=rewrite,
            usage=Usage(
                prompt_tokens=timings.prompt_tokens,
                completion_tokens=timings.completion_tokens,
                latency_ms=round(timings.total_ms, 1),
                cached=False,
                cost_usd=estimate_cost(
                    self.model, timings.prompt_tokens, timings.completion_tokens, self.settings.prices
                ),
            ),
            notes=tuple(notes),
        )

    # ----------------------------------------------------------------------------------------------------------
    # cache and fail-open

    def cache_key(self, message: Message, rubric: Rubric) -> str:
        """Everything that changes the output, and nothing else (no key, no timeouts, no gate thresholds)."""
        from reviewer.version import __version__

        s = self.settings
        # Suppressions change the rules findings a rules+llm review carries; absent, the key is as it always was.
        asked: dict[str, list[str]] = {}
        if message.ignore or message.allow:
            asked = {"ignore": list(message.ignore), "allow": list(message.allow)}
        return cache_key(
            {
                **asked,
                "candor": __version__,
                "engine": self.kind,
                "base_url": self.base_url,
                "model": self.model,
                "temperature": s.temperature,
                "max_output_tokens": s.max_output_tokens,
                "structured_output": s.structured_output,
                "token_budget": s.token_budget,
                "prompts": self.prompts.hash,
                "rubric": rubric.hash,
                "run": self.run,
                "text": message.text,
                "situation": message.situation,
                "client": message.client,
            }
        )

    def _cached(
        self, message: Message, rubric: Rubric, started: float, timings: Timings
    ) -> tuple[str | None, Review | None]:
        if self.cache is None:
            return None, None
        key = self.cache_key(message, rubric)
        hit = self.cache.get(key)
        if hit is None:
            return key, None
        # The gate is not in the key: recompute the verdict under the thresholds in force now.
        overall = overall_score({d.id: d.score for d in hit.dimensions}, rubric, hit.findings)
        elapsed = (time.perf_counter() - started) * 1000
        timings.cache_ms = timings.total_ms = elapsed
        self.last_timings = timings
        usage = hit.usage.model_copy(update={"cached": True, "latency_ms": round(elapsed, 2), "cost_usd": 0.0})
        verdict = verdict_for(overall, hit.findings, self.settings.gate, {d.id: d.score for d in hit.dimensions})
        return key, hit.model_copy(update={"overall": overall, "verdict": verdict, "usage": usage})

    def _store(self, key: str | None, review: Review) -> Review:
        if key is not None and self.cache is not None:
            self.cache.put(key, review, model=self.model)
        return review

    def _fallback(self, err: EngineError, message: Message, rubric: Rubric) -> Review:
        rules = self.rules or RulesEngine(self.settings.gate)
        review = rules.review(message, rubric)
        note = f"The model could not review this draft ({err}); this is the rules review (fail_open)."
        log.warning("candor: %s", note)
        return review.model_copy(update={"notes": (*review.notes, note)})

    # ----------------------------------------------------------------------------------------------------------
    # transport: response-format negotiation, retries, truncation

    def _with_mode(self, request: ChatRequest) -> ChatRequest:
        return replace(request, response_mode=self._modes[self._mode_index])

    def _next_mode(self, err: UnsupportedFormat) -> None:
        if self._mode_index + 1 >= len(self._modes):
            raise EngineError(str(err)) from None
        self._mode_index += 1
        log.info("%s; asking with %s instead", err, self._modes[self._mode_index])

    def _delay(self, err: TransientError, attempt: int) -> float:
        if attempt >= self.settings.max_retries:
            tries = f"{attempt + 1} attempt{'s' if attempt else ''}"
            raise EngineError(f"{err} (gave up after {tries})") from None
        if err.retry_after is not None:
            if err.retry_after > MAX_RETRY_AFTER:
                raise EngineError(f"{err}: the server asks to wait {err.retry_after:.0f}s; try again later") from None
            return err.retry_after
        delay: float = min(MAX_BACKOFF, self._backoff * 2.0**attempt)
        return delay * (1 + 0.25 * random.random())

    def _accept(self, reply: ChatReply, request: ChatRequest, timings: Timings) -> ChatReply:
        timings.calls += 1
        timings.server_ms += reply.elapsed_ms
        timings.modes.append(request.response_mode)
        # Servers that report no usage get Candor's own count, so cost and budget figures never read zero.
        clock = time.perf_counter()
        if reply.prompt_tokens is None:
            timings.prompt_tokens += count_messages((content for _, content in request.messages), self.model)
        else:
            timings.prompt_tokens += reply.prompt_tokens
        if reply.completion_tokens is None:
            timings.completion_tokens += count_tokens(reply.content, self.model)
        else:
            timings.completion_tokens += reply.completion_tokens
        timings.tokens_ms += (time.perf_counter() - clock) * 1000
        if reply.finish_reason == "length":
            raise EngineError(
                f"the model's reply was cut off at {request.max_tokens} tokens (finish_reason=length): "
                "raise max_output_tokens"
            )
        return reply

    def _send(self, request: ChatRequest, timings: Timings) -> ChatReply:
        attempt = 0
        while True:
            current = self._with_mode(request)
            try:
                reply = self.backend.complete(current)
            except UnsupportedFormat as err:
                self._next_mode(err)
                continue
            except TransientError as err:
                delay = self._delay(err, attempt)
                log.info("%s; retrying in %.1fs", err, delay)
                self._sleep(delay)
                attempt += 1
                continue
            return self._accept(reply, current, timings)

    async def _asend(self, request: ChatRequest, timings: Timings) -> ChatReply:
        attempt = 0
        while True:
            current = self._with_mode(request)
            try:
                reply = await self.backend.acomplete(current)
            except UnsupportedFormat as err:
                self._next_mode(err)
                continue
            except TransientError as err:
                delay = self._delay(err, attempt)
                log.info("%s; retrying in %.1fs", err, delay)
                await asyncio.sleep(delay)
                attempt += 1
                continue
            return self._accept(reply, current, timings)


def _llm(settings: Settings) -> LLMEngine:
    return LLMEngine(settings)


def _rules_llm(settings: Settings) -> LLMEngine:
    return LLMEngine(settings, rules=RulesEngine(settings.gate))


register_engine("llm", _llm)
register_engine("rules+llm", _rules_llm)

__all__ = ["HOW_TO_CONFIGURE", "LLMEngine", "Timings"]
