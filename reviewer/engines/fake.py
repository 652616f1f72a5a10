"""The `fake` engine: the whole LLM path with scripted model replies instead of a server.

For tests, demos and other front ends' tests: `candor check --engine fake` reviews offline, deterministically,
through the real prompt, validation, quote checks, fact check, gate and wrappers (rules+llm, fail-open, retries),
so a front end sees exactly what it would from a model. Only the server is replaced, by a `ScriptedBackend`:

    FakeEngine()                                   # every reply: each dimension 3, the draft's opening quoted
    FakeEngine([reply_json, EngineError("down")])  # replies in order; an exception is raised where it stands
    FakeEngine(lambda request: ..., rules=True)    # a reply computed from the request (`draft_in` reads the draft)

A fake is never cached. `calls` keeps the messages it was asked to review, `requests` what reached the "server".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from reviewer.config import Settings
from reviewer.engines import Engine, areview, register_engine
from reviewer.engines.llm_backend import ChatRequest, ScriptedBackend, ScriptItem
from reviewer.engines.llm_prompt import draft_in
from reviewer.engines.llm_stack import llm_engine
from reviewer.models import Message, Review
from reviewer.rubric import Rubric

FAKE_MODEL = "fake"
"""The model name a fake uses when the settings name none (its engine is then `llm:fake`)."""
Script = Iterable[ScriptItem] | Callable[[ChatRequest], ScriptItem]


def scripted_reply(
    dimensions: Iterable[str],
    *,
    score: int = 3,
    rationale: str = "Scripted reply from the fake engine.",
    evidence: Iterable[str] = (),
    missing: Iterable[tuple[str, str]] = (),
    suggestions: Iterable[str] = (),
    rewrite: str = "",
) -> str:
    """A valid model reply (JSON) scoring every dimension alike."""
    quotes = list(evidence)
    data: dict[str, Any] = {
        "dimensions": {d: {"evidence": quotes, "rationale": rationale, "score": score} for d in dimensions},
        "missing": [{"dimension": d, "what": what} for d, what in missing],
        "suggestions": list(suggestions),
        "rewrite": rewrite,
    }
    return json.dumps(data)


def requested_dimensions(request: ChatRequest) -> list[str]:
    """The dimension ids the request's reply schema asks for, in rubric order."""
    return list(request.schema["properties"]["dimensions"]["required"])


def default_reply(request: ChatRequest) -> str:
    """Every dimension scored 3, quoting the draft's first line: a neutral, valid reply for any rubric."""
    draft = draft_in(request.messages) or ""
    opening = next((line.strip() for line in draft.splitlines() if line.strip()), "")
    return scripted_reply(requested_dimensions(request), evidence=[opening[:60]] if opening else [])


class FakeEngine:
    """The LLM engine (or rules+llm with `rules=True`) answering from `script` (default: `default_reply`).

    Args:
        script: replies in order, or a function of the request; see the module docstring.
        settings: the settings the LLM path reads (gate, fail_open, structured_output, max_retries...);
            `model` defaults to "fake" and no endpoint is needed.
        rules: combine with the rules engine, as rules+llm.
        sleep: how to wait between retries of a scripted `TransientError` (default: no wait at all).
    """

    def __init__(
        self,
        script: Script | None = None,
        *,
        settings: Settings | None = None,
        rules: bool = False,
        sleep: Callable[[float], None] = lambda seconds: None,
    ) -> None:
        settings = settings or Settings()
        if not settings.model:
            settings = settings.replace(model=FAKE_MODEL)
        self.backend = ScriptedBackend(default_reply if script is None else script)
        self.calls: list[Message] = []
        # Nothing leaves the process, so the draft is redacted only when asked (`redact = true`, `--redact`).
        self._engine: Engine = llm_engine(
            settings, rules=rules, backend=self.backend, cache=None, sleep=sleep, redact=bool(settings.redact)
        )
        self.name = self._engine.name

    @property
    def requests(self) -> list[ChatRequest]:
        return self.backend.requests

    def review(self, message: Message, rubric: Rubric) -> Review:
        self.calls.append(message)
        return self._engine.review(message, rubric)

    async def areview(self, message: Message, rubric: Rubric) -> Review:
        self.calls.append(message)
        return await areview(self._engine, message, rubric)


def _fake(settings: Settings) -> Engine:
    return FakeEngine(settings=settings)


register_engine("fake", _fake)

__all__ = ["FAKE_MODEL", "FakeEngine", "default_reply", "requested_dimensions", "scripted_reply"]
