"""The LLM engine: one structured call to any OpenAI-compatible model, checked before anything reaches the user.

Flow for one message: prompt from `prompts/` (langchain-core) -> token count against the budget -> one chat request
asking for JSON -> parse and check (every dimension, scores 1-5; one repair request if not) -> quotes located in
the draft -> rewrite compared with the draft fact by fact -> the same `Review` the rules engine returns, scored with
the same gate.

That is all this engine does. Everything around it is a wrapper with one job, composed in `llm_stack`: retries and
Retry-After (`retry`) and structured-output negotiation (`modes`) wrap the `ChatBackend`; the cache (`cached`),
rules+llm (`combined`) and fail-open (`fail_open`) wrap the engine. The draft arrives as the front end read it
(quoted replies and signatures already stripped); a prompt over `token_budget` is an error, never cut.

With redaction on (`redact`; by default for any endpoint off this machine) the model sees the draft and the client's
name with placeholders (`reviewer.redact`), and so does the repair request; every string of the reply is mapped back
before the quotes are located and the rewrite is fact-checked, so both are checked against the original draft.

This module imports neither openai, tiktoken nor langchain at import time: the backend is given, and langchain is
imported on the first prompt render, so a cache hit needs neither.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Generator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from reviewer.config import Settings, mask_url
from reviewer.engines.llm_backend import OPENAI_BASE_URL, ChatBackend, ChatReply, ChatRequest, RequestMeta, text_hash
from reviewer.engines.llm_output import InvalidReply, ModelReview, locate_all, parse_reply
from reviewer.engines.llm_prompt import PromptSet, reply_schema
from reviewer.errors import ConfigError, EngineError
from reviewer.facts import compare_facts
from reviewer.models import DimensionScore, Message, Missing, Redacted, Review, Rewrite, Usage
from reviewer.redact import Redaction, plan_redaction, redaction_wanted
from reviewer.rubric import Rubric
from reviewer.scoring import judged_review
from reviewer.tokens import count_messages, count_tokens, estimate_cost, token_counter

log = logging.getLogger("candor.llm")

HOW_TO_CONFIGURE = (
    "the llm engine needs a model and an endpoint: set CANDOR_MODEL and CANDOR_BASE_URL "
    "(e.g. http://127.0.0.1:8080/v1) or pass --model and --base-url; for api.openai.com, set OPENAI_API_KEY "
    "instead of a base URL"
)
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
    server_ms: float = 0.0
    total_ms: float = 0.0
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    modes: list[str] = field(default_factory=list)

    @property
    def overhead_ms(self) -> float:
        """Candor's own work: prompt, tokens, validation and the fact check (not the server)."""
        return self.prompt_ms + self.tokens_ms + self.validate_ms + self.facts_ms


@dataclass
class _Prepared:
    request: ChatRequest
    notes: list[str]
    redaction: Redaction | None = None


def check_settings(settings: Settings, *, needs_endpoint: bool) -> None:
    """A missing model or endpoint, or a malformed base URL, is a configuration error (exit 2) with a how-to."""
    if not settings.model or (needs_endpoint and not settings.base_url and not settings.api_key):
        raise ConfigError(HOW_TO_CONFIGURE)
    if settings.base_url is not None:
        _check_base_url(settings.base_url)


def _check_base_url(url: str) -> None:
    """A typo in the endpoint is a config error (exit 2), not a server that seems down (exit 3)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise ConfigError(f"base_url: {mask_url(url)!r} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"base_url: expected an http(s) URL such as http://127.0.0.1:8080/v1, got {mask_url(url)!r}")
    if parts.query or parts.fragment:
        # The SDK appends "chat/completions" after the query ("/v1?api-version=1chat/completions"): every call would
        # fail with a confusing 404, so say it here.
        raise ConfigError(
            f"base_url: {mask_url(url)!r} has a query or fragment ('?...', '#...'); give the bare endpoint, such as "
            "http://127.0.0.1:8080/v1 (the key goes in CANDOR_API_KEY)"
        )


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())[:6]
    return "_".join(words) or "missing"


class LLMEngine:
    """Reviews with a model behind a `ChatBackend`: builds the prompt, makes the call, checks the reply.

    Args:
        settings: model, base_url (for the cache key), sampling, token budget and prices come from here.
        backend: where requests go, as composed by `llm_stack.transport` (retries and mode negotiation included)
            or a `ScriptedBackend` / replay for tests and evals.
        run: run index for repeated sampling; part of the cache key and of recording keys.
        prompts: the prompt templates (default: loaded from `settings.prompts_dir` or the built-in folder).
        redact: redact the draft before it is sent; None: `settings.redact`, which by default is on for any
            endpoint but a loopback one.
    """

    def __init__(
        self,
        settings: Settings,
        backend: ChatBackend,
        *,
        run: int = 0,
        prompts: PromptSet | None = None,
        redact: bool | None = None,
    ) -> None:
        check_settings(settings, needs_endpoint=False)
        self.settings = settings
        self.model: str = settings.model or ""
        self.base_url = (settings.base_url or OPENAI_BASE_URL).rstrip("/")
        self.name = f"llm:{settings.model}"
        self.run = run
        self.prompts = prompts or PromptSet.load(settings.prompts_dir)
        self.backend = backend
        self.redact = redaction_wanted(settings.redact, settings.base_url) if redact is None else redact
        self.last_timings = Timings()

    def close(self) -> None:
        close = getattr(self.backend, "close", None)
        if callable(close):
            close()

    def review(self, message: Message, rubric: Rubric) -> Review:
        """Review one message (blocking); raises `EngineError` when the model cannot."""
        started = time.perf_counter()
        timings = Timings()
        steps = self._steps(message, rubric, timings, started)
        request = next(steps)
        while True:
            reply = self._accept(self.backend.complete(request), request, timings)
            try:
                request = steps.send(reply)
            except StopIteration as done:
                review: Review = done.value
                return review

    async def areview(self, message: Message, rubric: Rubric) -> Review:
        """Review one message without blocking the event loop."""
        started = time.perf_counter()
        timings = Timings()
        steps = self._steps(message, rubric, timings, started)
        request = next(steps)
        while True:
            reply = self._accept(await self.backend.acomplete(request), request, timings)
            try:
                request = steps.send(reply)
            except StopIteration as done:
                review: Review = done.value
                return review

    def cache_material(self, message: Message, rubric: Rubric) -> dict[str, Any]:
        """Everything that changes the output, and nothing else (no key, no timeouts, no gate thresholds)."""
        from reviewer.version import __version__

        s = self.settings
        # Suppressions change the rules findings a rules+llm review carries; absent, the key is as it always was.
        asked: dict[str, Any] = {}
        if message.ignore or message.allow:
            asked = {"ignore": list(message.ignore), "allow": list(message.allow)}
        if self.redact:
            # The model saw another prompt: a redacted review never answers for an unredacted one, nor the reverse.
            asked["redact"] = {"names": sorted(s.redact_names)}
        return {
            **asked,
            "candor": __version__,
            "engine": "llm",
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

    # ----------------------------------------------------------------------------------------------------------
    # the review, sans I/O: a generator that yields requests and receives replies

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
            repair = self._repair_request(prepared.request, reply.content, first.errors, prepared.redaction)
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
        if prepared.redaction is not None:
            parsed = _restored(parsed, prepared.redaction)
        timings.validate_ms += (time.perf_counter() - clock) * 1000
        return self._build(message, prepared.notes, parsed, rubric, timings, started, prepared.redaction)

    def _prepare(self, message: Message, rubric: Rubric, timings: Timings) -> _Prepared:
        budget = self.settings.token_budget
        notes: list[str] = []
        clock = time.perf_counter()
        redaction = None
        draft, client = message.text, message.client
        if self.redact:
            redaction = plan_redaction(message.text, client=message.client, names=self.settings.redact_names)
            draft, client = redaction.redacted, redaction.client
        messages = self.prompts.render(rubric, draft, situation=message.situation, client=client)
        timings.prompt_ms += (time.perf_counter() - clock) * 1000
        clock = time.perf_counter()
        tokens = count_messages((content for _, content in messages), self.model)
        timings.tokens_ms += (time.perf_counter() - clock) * 1000
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
        return _Prepared(request=request, notes=notes, redaction=redaction)

    def _repair_request(
        self, request: ChatRequest, content: str, errors: list[str], redaction: Redaction | None
    ) -> ChatRequest:
        echo = content[:_REPAIR_ECHO_CHARS]
        if redaction is not None:  # the reply is the model's own text, but nothing redacted goes out in any form
            echo, errors = redaction.hide(echo), [redaction.hide(e) for e in errors]
        messages = (
            *request.messages,
            ("assistant", echo),
            ("user", self.prompts.render_repair(errors)),
        )
        return replace(request, messages=messages, meta=replace(request.meta, attempt=1))

    def _accept(self, reply: ChatReply, request: ChatRequest, timings: Timings) -> ChatReply:
        timings.calls += 1
        timings.server_ms += reply.elapsed_ms
        timings.modes.append(reply.response_mode or request.response_mode)
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

    def _build(
        self,
        message: Message,
        notes: list[str],
        parsed: ModelReview,
        rubric: Rubric,
        timings: Timings,
        started: float,
        redaction: Redaction | None = None,
    ) -> Review:
        text = message.text
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

        redacted: tuple[Redacted, ...] = ()
        if redaction is not None:
            redacted = tuple(
                Redacted(kind=s.kind, start=s.start, end=s.end, placeholder=s.placeholder) for s in redaction.spans
            )
            notes.append(redaction.summary())
        unique = dict.fromkeys(parsed.missing)  # small models repeat themselves
        missing = tuple(Missing(id=_slug(what), dimension=dim, severity="minor", message=what) for dim, what in unique)
        timings.total_ms = (time.perf_counter() - started) * 1000
        self.last_timings = timings
        return judged_review(
            engine=self.name,
            rubric=rubric,
            message=message,
            text=text,
            dimensions=dimensions,
            findings=(),
            gate=self.settings.gate,
            missing=missing,
            suggestions=tuple(dict.fromkeys(s for s in parsed.suggestions if s))[:MAX_SUGGESTIONS],
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
            redactions=redacted,
        )


def _restored(parsed: ModelReview, redaction: Redaction) -> ModelReview:
    """The model's reply with the redacted values put back in every string it holds."""
    back = redaction.restore
    dimensions = {
        dim_id: replace(d, rationale=back(d.rationale), evidence=tuple(back(q) for q in d.evidence))
        for dim_id, d in parsed.dimensions.items()
    }
    return replace(
        parsed,
        dimensions=dimensions,
        missing=tuple((dim, back(what)) for dim, what in parsed.missing),
        suggestions=tuple(back(s) for s in parsed.suggestions),
        rewrite=back(parsed.rewrite) if parsed.rewrite is not None else None,
    )


__all__ = ["HOW_TO_CONFIGURE", "MAX_SUGGESTIONS", "LLMEngine", "Timings", "check_settings"]
