"""The gate: thresholds that turn an overall score and the findings into a verdict (send / revise / block).

It sits low in the layers (it needs only the models) because the settings build it and every engine applies it;
what the verdict then means for an exit code is `reviewer.hook`'s business.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reviewer.models import Finding, Verdict


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
