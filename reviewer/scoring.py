"""Pure scoring shared by every engine: the overall score from dimension scores, judged by the gate.

`Gate` and `verdict_for` live in `reviewer.gate` (low in the layers, so the settings can build a gate); they are
re-exported here for the engines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reviewer.gate import Gate, verdict_for
from reviewer.models import DimensionScore, Finding, Message, Review, Verdict
from reviewer.rubric import Rubric

__all__ = [
    "CRITICAL_CAP",
    "WEAKEST_WEIGHT",
    "Gate",
    "judge",
    "judged_review",
    "overall_score",
    "rejudged",
    "verdict_for",
]


WEAKEST_WEIGHT = 0.3
"""Overall is not a plain average: a client judges a message by its worst failing too, so the weakest dimension
counts this much on top of the weighted mean (chosen on the dev split; 0.2-0.4 all do about as well)."""

CRITICAL_CAP = 2.0
"""A message that blames the client would damage trust whatever else it does well."""


def overall_score(scores: Mapping[str, int], rubric: Rubric, findings: Iterable[Finding] = ()) -> float:
    """Weighted mean of the dimension scores blended with the weakest, capped when a critical finding is present."""
    total_weight = sum(rubric.dimension(d).weight for d in scores)
    mean = sum(rubric.dimension(d).weight * s for d, s in scores.items()) / total_weight
    value = (1 - WEAKEST_WEIGHT) * mean + WEAKEST_WEIGHT * min(scores.values())
    if any(f.severity == "critical" for f in findings):
        value = min(value, CRITICAL_CAP)
    return round(value, 2)


def judge(
    dimensions: Iterable[DimensionScore],
    findings: Sequence[Finding],
    rubric: Rubric,
    gate: Gate,
    overall: float | None = None,
) -> tuple[float, Verdict]:
    """The overall score and verdict of a review: the one judgement every engine and wrapper uses. A fitted
    `overall` (the rules engine's scorer) replaces the weighted mean, capped the same way by a critical finding."""
    scores = {d.id: d.score for d in dimensions}
    if overall is None:
        overall = overall_score(scores, rubric, findings)
    elif any(f.severity == "critical" for f in findings):
        overall = min(overall, CRITICAL_CAP)
    return overall, verdict_for(overall, findings, gate, scores)


def rejudged(review: Review, rubric: Rubric, gate: Gate) -> Review:
    """`review` with its overall score and verdict worked out again from its dimensions and findings under `gate`.

    For wrappers that change a review's findings (rules+llm) or serve one made under other thresholds (the cache).
    """
    overall, verdict = judge(review.dimensions, review.findings, rubric, gate)
    return review.model_copy(update={"overall": overall, "verdict": verdict})


def judged_review(
    *,
    engine: str,
    rubric: Rubric,
    message: Message,
    text: str,
    dimensions: Sequence[DimensionScore],
    findings: Sequence[Finding],
    gate: Gate,
    overall: float | None = None,
    **rest: Any,
) -> Review:
    """A `Review` whose overall score and verdict come from its dimension scores and findings, the same way for
    every engine, so a rules review and a model review are judged alike."""
    overall, verdict = judge(dimensions, findings, rubric, gate, overall)
    return Review(
        engine=engine,
        rubric=rubric.ref,
        text=text,
        situation=message.situation,
        overall=overall,
        verdict=verdict,
        dimensions=tuple(dimensions),
        findings=tuple(findings),
        **rest,
    )
