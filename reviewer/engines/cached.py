"""The review cache as a wrapper around any engine that can say what its output depends on.

The inner engine supplies the key material (`cache_material`: everything that changes its output and nothing
else); this wrapper hashes it, serves a hit and stores a fresh review. A hit is re-judged under the gate in force
(`scoring.rejudged`), because the thresholds are deliberately not in the key. Only reviews the inner engine
returned are stored: an error never is, and fail-open fallbacks are not either, because fail-open wraps outside.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from reviewer.cache import ReviewCache, cache_key
from reviewer.engines import Engine, areview
from reviewer.models import Message, Review
from reviewer.rubric import Rubric
from reviewer.scoring import Gate, rejudged


@runtime_checkable
class CacheableEngine(Engine, Protocol):
    """An engine that can list what its review depends on (the LLM engine and rules+llm)."""

    def cache_material(self, message: Message, rubric: Rubric) -> Mapping[str, Any]: ...


class CachedEngine:
    """Answers from `cache` when it can, else from `inner`, storing what `inner` returns."""

    def __init__(self, inner: CacheableEngine, cache: ReviewCache, gate: Gate) -> None:
        self.inner = inner
        self.cache = cache
        self.gate = gate
        self.name = inner.name

    def key(self, message: Message, rubric: Rubric) -> str:
        return cache_key(self.inner.cache_material(message, rubric))

    def review(self, message: Message, rubric: Rubric) -> Review:
        started = time.perf_counter()
        material = self.inner.cache_material(message, rubric)
        hit = self._hit(material, rubric, started)
        if hit is not None:
            return hit
        return self._store(material, self.inner.review(message, rubric))

    async def areview(self, message: Message, rubric: Rubric) -> Review:
        started = time.perf_counter()
        material = self.inner.cache_material(message, rubric)
        hit = self._hit(material, rubric, started)
        if hit is not None:
            return hit
        return self._store(material, await areview(self.inner, message, rubric))

    def _hit(self, material: Mapping[str, Any], rubric: Rubric, started: float) -> Review | None:
        hit = self.cache.get(cache_key(material))
        if hit is None:
            return None
        elapsed = (time.perf_counter() - started) * 1000
        usage = hit.usage.model_copy(update={"cached": True, "latency_ms": round(elapsed, 2), "cost_usd": 0.0})
        return rejudged(hit.model_copy(update={"usage": usage}), rubric, self.gate)

    def _store(self, material: Mapping[str, Any], review: Review) -> Review:
        self.cache.put(cache_key(material), review, model=str(material.get("model", "")))
        return review

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()
        self.cache.close()


__all__ = ["CacheableEngine", "CachedEngine"]
