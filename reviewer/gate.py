"""The gate: thresholds that turn an overall score, the dimension scores and the findings into a verdict.

It sits low in the layers (it needs only the models) because the settings build it and every engine applies it;
what the verdict then means for an exit code is `reviewer.hook`'s business. In order, a message is:

1. `block` when it has a finding of a blocking severity (`block_on`, default: critical, i.e. blaming the client);
2. `block` when its overall score is below `block_below`, or a dimension scores below its `dimension_block_below`;
3. `send` when its overall score is at least `send_at` and it has at most `max_major_for_send` major findings;
4. `revise` otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from reviewer.models import Finding, Severity, Verdict

BLOCKING_SEVERITIES: tuple[Severity, ...] = ("minor", "major", "critical")


def shown_score(overall: float) -> str:
    """An overall score for a person: one decimal, rounded down, so a shown score never reaches a threshold the
    score itself misses (2.58 is "2.5", not a "2.6" that reads as not below block_below 2.6). JSON keeps two."""
    return f"{math.floor(overall * 10 + 1e-9) / 10:.1f}"


"""The severities `block_on` may name (a positive finding never blocks)."""


@dataclass(frozen=True)
class Gate:
    """Thresholds that turn scores and findings into a verdict (all configurable)."""

    send_at: float = 3.8
    """Overall score at or above which a message may be sent as is."""
    block_below: float = 2.6
    """Overall score below which a message is blocked."""
    max_major_for_send: int = 1
    """More major findings than this turn a would-be "send" into "revise"."""
    block_on: frozenset[Severity] = frozenset({"critical"})
    """A finding of one of these severities blocks whatever the scores (default: critical, blaming the client)."""
    dimension_block_below: Mapping[str, int] = field(default_factory=dict)
    """Per dimension id, the score below which the message is blocked (e.g. {"accountability": 2})."""


def blocking_reasons(
    overall: float, findings: Iterable[Finding], gate: Gate, dimensions: Mapping[str, int] | None = None
) -> list[str]:
    """Why the gate blocks (empty when it does not), one short phrase each, for reports."""
    reasons = [
        f"{f.severity} finding {f.rule}" for f in findings if f.severity in gate.block_on and f.severity != "positive"
    ]
    if overall < gate.block_below:
        reasons.append(f"overall {shown_score(overall)} is below block_below {gate.block_below:g}")
    for dimension, minimum in gate.dimension_block_below.items():
        score = (dimensions or {}).get(dimension)
        if score is not None and score < minimum:
            reasons.append(f"{dimension} {score} is below its dimension_block_below {minimum}")
    return reasons


def verdict_for(
    overall: float, findings: Iterable[Finding], gate: Gate, dimensions: Mapping[str, int] | None = None
) -> Verdict:
    findings = list(findings)
    if blocking_reasons(overall, findings, gate, dimensions):
        return "block"
    majors = sum(1 for f in findings if f.severity == "major")
    if overall >= gate.send_at and majors <= gate.max_major_for_send:
        return "send"
    return "revise"
