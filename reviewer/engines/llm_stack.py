"""The llm and rules+llm engines as users get them: the LLM engine inside its wrappers, composed in one place.

    FailOpenEngine(                       fail_open: the rules review, with a note, when the model fails
      CachedEngine(                       the review cache (a hit re-judged under the gate in force)
        RulesPlusModelEngine(             rules+llm only: rules findings and missing elements on top
          CheckedRewriteEngine(           the model's rewrite re-reviewed offline; never offered if it scores lower
            LLMEngine(                    prompt, one call (and one repair), validation
              NegotiatingBackend(         structured-output mode: json_schema, then json_object...
                RetryingBackend(          429 / 5xx / dropped connection, Retry-After
                  backend)))))))          the OpenAI-compatible server (built on first use), or a script, a replay

Each layer is its own module and knows nothing of the others; front ends, the eval suite and the `fake` engine
compose the same pieces (`llm_engine`, `transport`). Registered here as "llm" and "rules+llm".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

from reviewer.cache import ReviewCache, default_cache_dir
from reviewer.config import Settings
from reviewer.engines import Engine, register_engine
from reviewer.engines.cached import CacheableEngine, CachedEngine
from reviewer.engines.checked_rewrite import CheckedRewriteEngine
from reviewer.engines.combined import RulesPlusModelEngine
from reviewer.engines.fail_open import FailOpenEngine
from reviewer.engines.llm import LLMEngine, check_settings
from reviewer.engines.llm_backend import ChatBackend, LazyBackend
from reviewer.engines.llm_prompt import PromptSet
from reviewer.engines.modes import NegotiatingBackend, modes_for
from reviewer.engines.retry import RetryingBackend, RetryPolicy
from reviewer.engines.rules import RulesEngine


def openai_backend(settings: Settings) -> ChatBackend:
    """The OpenAI-compatible server at `settings.base_url`, built (and openai imported) on the first request."""

    def build() -> ChatBackend:
        from reviewer.engines.openai_backend import OpenAIBackend

        return OpenAIBackend(base_url=settings.base_url, api_key=settings.api_key, timeout=settings.timeout)

    from reviewer.config import mask_url

    return LazyBackend(build, label=f"base_url={mask_url(settings.base_url or '')!r}")


def transport(
    settings: Settings,
    backend: ChatBackend,
    *,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ChatBackend:
    """`backend` with mode negotiation (`structured_output`) and retries (`max_retries`) around it."""
    retrying = RetryingBackend(backend, retry or RetryPolicy.from_settings(settings), sleep=sleep)
    return NegotiatingBackend(retrying, modes_for(settings.structured_output))


def llm_engine(
    settings: Settings,
    *,
    rules: bool = False,
    backend: ChatBackend | None = None,
    cache: ReviewCache | Literal["auto"] | None = "auto",
    fail_open: bool | None = None,
    run: int = 0,
    prompts: PromptSet | None = None,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    redact: bool | None = None,
) -> Engine:
    """The LLM engine with its wrappers, as configured.

    Args:
        settings: the model, endpoint and every setting the layers read.
        rules: combine with the rules engine (rules+llm).
        backend: where requests go, before retries and negotiation are added; None for the server at
            `settings.base_url`. Pass a `ScriptedBackend` or a replay for tests and evals.
        cache: a `ReviewCache`, None for no cache, or "auto": the user cache when `settings.cache` is on and no
            backend was given (scripts and replays are not cached, so a replay is never masked by a cache hit).
        fail_open: fall back to the rules review on a model failure; None reads `settings.fail_open`.
        run: run index for repeated sampling (part of the cache key and of recording keys).
        prompts: the prompt templates (default: from `settings.prompts_dir` or the built-in folder).
        retry: the retry policy (default: `max_retries` from settings, 0.5 s first backoff).
        sleep: how to wait between retries (tests record the waits instead).
        redact: redact the draft before it is sent; None: `settings.redact`, by default on unless `base_url` is a
            loopback endpoint. Callers whose backend sends nothing anywhere (a script, a replay) pass it.
    """
    check_settings(settings, needs_endpoint=backend is None)
    if cache == "auto":
        cache = ReviewCache(default_cache_dir(settings.cache_dir)) if settings.cache and backend is None else None
    wire = transport(settings, openai_backend(settings) if backend is None else backend, retry=retry, sleep=sleep)
    # The rules engine that checks a model's rewrite gives scores to compare, shown as scores: what moved each one
    # is not worked out (that CPU, under the GIL, is the per-call overhead at concurrency 16).
    engine: CacheableEngine = CheckedRewriteEngine(
        LLMEngine(settings, wire, run=run, prompts=prompts, redact=redact), RulesEngine(settings.gate, explain=False)
    )
    if rules:
        # Only the rules review's findings, missing elements, suggestions and verdict are used: its scaffold
        # rewrite (itself reviewed again, one to several reviews more) would be built for nothing, and so would
        # its rationales' explanations.
        engine = RulesPlusModelEngine(RulesEngine(settings.gate, rewrite=False, explain=False), engine, settings.gate)
    outer: Engine = engine if cache is None else CachedEngine(engine, cache, settings.gate)
    if settings.fail_open if fail_open is None else fail_open:
        outer = FailOpenEngine(outer, RulesEngine(settings.gate))
    return outer


def _llm(settings: Settings) -> Engine:
    return llm_engine(settings)


def _rules_llm(settings: Settings) -> Engine:
    return llm_engine(settings, rules=True)


register_engine("llm", _llm)
register_engine("rules+llm", _rules_llm)

__all__ = ["llm_engine", "openai_backend", "transport"]
