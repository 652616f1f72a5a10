"""Helpers for the TUI tests: fake deep engines, a canned review for snapshots, and waits that watch the app's
state (never a bare sleep).

Deep engines are injected through `make_app(deep_engine_factory=...)`, the same seam the CLI uses: the `fake`
engine (the real LLM path with scripted model replies, no server) for behaviour, and canned reviews written out by
hand for snapshots, so tuning the rubric never changes a screenshot. The module name is unique because test
folders share one import path.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen

from reviewer.config import Settings
from reviewer.engines import Engine, EngineFactory
from reviewer.engines.fake import FakeEngine, requested_dimensions
from reviewer.engines.llm_backend import ChatRequest
from reviewer.engines.llm_prompt import draft_in
from reviewer.errors import ConfigError, EngineError
from reviewer.facts import compare_facts
from reviewer.models import DimensionScore, Evidence, Finding, Message, Missing, Review, Rewrite, RubricRef
from reviewer.rubric import Rubric
from reviewer.service import Reviewer
from tui.app import CandorApp, make_app
from tui.screens.review import ReviewScreen

DATA = Path(__file__).parent / "data"
DRAFT = (DATA / "draft.txt").read_text(encoding="utf-8").rstrip("\n")
MODEL_REWRITE = (
    "Hi Dana,\n\nThe reporting dashboard will be late, and that is on us: we planned the vendor's API change "
    "badly. I know your team was counting on it for the 14 March review.\n\nNew date: 21 March. Priya owns the "
    "fix and will update you every Tuesday.\n\nBest,\nSam"
)


def screen_of(app: CandorApp) -> ReviewScreen:
    return app.review_screen


def top(app: CandorApp) -> Screen[Any]:
    """The screen on top, typed loosely so a test can check it after an isinstance check narrowed `app.screen`."""
    return app.screen


async def until(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Let the app run until `condition()` holds; fail (not hang) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.01)
    await pilot.pause()


async def settle(pilot: Pilot[None]) -> None:
    """Wait until the live review of what is on screen is shown."""
    app = pilot.app
    assert isinstance(app, CandorApp)
    screen = app.review_screen
    await until(pilot, lambda: not screen.review_pending, what="the live review")


def deep_settled(app: CandorApp) -> Callable[[], bool]:
    return lambda: app.review_screen.deep_panel.state not in ("idle", "running")


def model_style_reply(request: ChatRequest) -> str:
    """What a model adds to the rules findings: its own rationales with evidence, a suggestion and a rewrite."""
    quote = (draft_in(request.messages) or "").split(".")[0][:40]
    dimensions = {
        dim: {
            "evidence": [quote],
            "rationale": f"The model reads the {dim.replace('_', ' ')} as weak here.",
            "score": 2,
        }
        for dim in requested_dimensions(request)
    }
    suggestions = ["Say who owns the fix and when the client hears from you next."]
    return json.dumps({"dimensions": dimensions, "missing": [], "suggestions": suggestions, "rewrite": MODEL_REWRITE})


class ModelStyleEngine(FakeEngine):
    """rules+llm on the fake engine: the real rules findings plus `model_style_reply` through the real LLM path."""

    def __init__(self) -> None:
        super().__init__(model_style_reply, settings=Settings(model="fake-model"), rules=True)


REFUSED = "model server at http://127.0.0.1:9/v1 refused the connection (after 3 retries)"


class FailingEngine(FakeEngine):
    """A model call that fails, as the engine reports it."""

    def __init__(self) -> None:
        super().__init__(lambda request: EngineError(REFUSED), settings=Settings(model="broken"), rules=True)


class BlockingEngine(FakeEngine):
    """Waits until released, like a slow model call; `started` is set once the call is under way."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.finished = threading.Event()
        super().__init__(self._slow_reply, settings=Settings(model="slow"), rules=True)

    def _slow_reply(self, request: ChatRequest) -> str:
        self.started.set()
        self.release.wait(timeout=30)
        self.finished.set()
        return model_style_reply(request)


NO_MODEL = "llm: no model configured; set CANDOR_MODEL and CANDOR_BASE_URL (or pass --model and --base-url)"


def unconfigured(settings: Settings) -> ModelStyleEngine:
    raise ConfigError(NO_MODEL)


def fixed_engine(engine: Engine) -> EngineFactory:
    return lambda settings: engine


def canned_review(text: str = DRAFT) -> Review:
    """A review written out by hand for the snapshot tests, so tuning the rubric never changes a screenshot."""

    def finding(
        quote: str, rule: str, dimension: str, severity: str, message: str, replacement: str | None
    ) -> Finding | None:
        start = text.find(quote)
        if start < 0:
            return None
        end = start + len(quote)
        return Finding.model_validate(
            {
                "rule": rule,
                "dimension": dimension,
                "severity": severity,
                "start": start,
                "end": end,
                "quote": quote,
                "message": message,
                "replacement": replacement,
            }
        )

    candidates = (
        finding(
            "slight delay",
            "minimising-downplay",
            "transparency",
            "major",
            "Minimising: the client will judge how big it is; describe it plainly.",
            "delay",
        ),
        finding(
            "Due to our vendor's late",
            "blame-vendor",
            "limited_excuses",
            "major",
            "Shifts blame to a third party: the client hired you, not them.",
            "",
        ),
        finding(
            "The deadline was missed",
            "passive_evasion-agentless",
            "accountability",
            "major",
            "Passive phrasing hides who did what: say who (usually 'we') and what.",
            None,
        ),
        finding(
            "We apologize for any inconvenience this may have caused",
            "formulaic_apology-stock",
            "accountability",
            "major",
            "Stock apology without ownership: say what you are sorry for.",
            "I'm sorry [for what happened, in your words]",
        ),
        finding(
            "ASAP",
            "vague_timing-asap",
            "transparency",
            "major",
            "Vague timing where the client needs a date: say when.",
            "by [date]",
        ),
        finding("Quick update", "ownership-update", "empathy", "positive", "Opens with the news.", None),
    )
    findings = tuple(f for f in candidates if f is not None)
    dims = (
        ("transparency", "Transparency", 1, "Hurt by vague timing, minimising, no new date."),
        ("empathy", "Empathy", 2, "Hurt by no impact acknowledgement."),
        ("accountability", "Accountability", 1, "Hurt by formulaic apology, passive evasion."),
        ("solutions", "Solutions", 2, "Hurt by no next step, no owner."),
        ("limited_excuses", "Limited excuses", 3, "Hurt by blame."),
    )
    rewrite_text = text.replace("slight delay", "delay").replace("ASAP", "by [date]") + (
        "\n\nNext steps:\n- New date: [date]\n- Owner: [name], who will keep you informed"
    )
    return Review(
        engine="rules",
        rubric=RubricRef(name="candor", hash="snapshot", dimensions=tuple(d[0] for d in dims)),
        text=text,
        overall=1.8,
        verdict="block",
        dimensions=tuple(
            DimensionScore(id=i, title=t, score=s, rationale=f"{s}/5: {r}", evidence=()) for i, t, s, r in dims
        ),
        findings=findings,
        missing=(
            Missing(
                id="new_date",
                dimension="transparency",
                severity="major",
                message="No new date: say when it will be delivered.",
            ),
            Missing(
                id="owner",
                dimension="solutions",
                severity="minor",
                message="No owner: name the person responsible for the fix.",
            ),
        ),
        suggestions=("Give the new date.",),
        rewrite=Rewrite(text=rewrite_text, source="scaffold", changed_facts=compare_facts(text, rewrite_text)),
    )


class CannedEngine:
    """Returns `canned_review` of whatever text it is given: the same phrases, wherever they now are."""

    name = "rules"

    def review(self, message: Message, rubric: Rubric) -> Review:
        return canned_review(message.text).model_copy(update={"situation": message.situation})


def canned_model_review() -> Review:
    review = canned_review()
    rewrite = Rewrite(text=MODEL_REWRITE, source="model", changed_facts=compare_facts(DRAFT, MODEL_REWRITE))
    return review.model_copy(
        update={
            "engine": "rules+llm:fake-model",
            "overall": 2.2,
            "verdict": "revise",
            "dimensions": tuple(
                d.model_copy(
                    update={
                        "rationale": f"{d.score}/5: The model finds the {d.title.lower()} thin.",
                        "evidence": (Evidence(start=0, end=8, quote="Hi Dana,"),),
                    }
                )
                for d in review.dimensions
            ),
            "suggestions": ("Name the new date and who owns the fix.",),
            "rewrite": rewrite,
        }
    )


class CannedModelEngine:
    name = "rules+llm:fake-model"

    def review(self, message: Message, rubric: Rubric) -> Review:
        return canned_model_review()


def snapshot_app(**kwargs: object) -> CandorApp:
    """The app on the fixture draft with the canned reviews: what every snapshot starts from."""
    options: dict[str, object] = {
        "text": DRAFT,
        "review_delay": 0.0,
        "deep_engine_factory": fixed_engine(CannedModelEngine()),
    }
    options.update(kwargs)
    return make_app(reviewer=Reviewer(Settings(), engine=CannedEngine()), **options)  # type: ignore[arg-type]
