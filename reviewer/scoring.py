"""Pure scoring shared by every engine: overall score from dimension scores, and the send/revise/block gate."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reviewer.models import DimensionScore, Finding, Message, Review, Verdict
from reviewer.rubric import Rubric


@dataclass(frozen=True)
class Gate:
    """Thresholds that turn scores and findings into a verdict (all configurable)."""

    send_at: float = 3.8
    """Overall score at or above which a message may be sent as is."""
    block_below: float = 2.6
    """Overall score below which a message is blocked."""
    max_major_for_send: int = 1
    """More major findings than this turn a would-be "send" into "revise"."""
    block_on_critical: bool = True
    """A critical finding (blaming the client) blocks whatever the scores."""


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


def verdict_for(overall: float, findings: Iterable[Finding], gate: Gate) -> Verdict:
    findings = list(findings)
    if gate.block_on_critical and any(f.severity == "critical" for f in findings):
        return "block"
    if overall < gate.block_below:
        return "block"
    majors = sum(1 for f in findings if f.severity == "major")
    if overall >= gate.send_at and majors <= gate.max_major_for_send:
        return "send"
    return "revise"


def judge(
    dimensions: Iterable[DimensionScore], findings: Sequence[Finding], rubric: Rubric, gate: Gate
) -> tuple[float, Verdict]:
    """The overall score and verdict of a review: the one judgement every engine and wrapper uses."""
    overall = overall_score({d.id: d.score for d in dimensions}, rubric, findings)
    return overall, verdict_for(overall, findings, gate)


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
    **rest: Any,
) -> Review:
    """A `Review` whose overall score and verdict come from its dimension scores and findings, the same way for
    every engine, so a rules review and a model review are judged alike."""
    overall, verdict = judge(dimensions, findings, rubric, gate)
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
