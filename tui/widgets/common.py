"""Shared look: severity and verdict colours as theme variables, so light and dark themes both work."""

from __future__ import annotations

import re

from textual.content import Content

from reviewer.gate import shown_score

SEVERITY_STYLE = {"critical": "bold $error", "major": "$error", "minor": "$warning", "positive": "$success"}
SEVERITY_ICON = {"critical": "▲", "major": "●", "minor": "○", "positive": "✓"}
VERDICT_STYLE = {"send": "bold reverse $success", "revise": "bold reverse $warning", "block": "bold reverse $error"}

_SCORE_PREFIX = re.compile(r"^\s*\d(?:\.\d+)?\s*/\s*5\s*[:.-]\s*")


def score_style(score: int) -> str:
    return "$error" if score <= 2 else "$warning" if score == 3 else "$success"


def bar(score: int) -> Content:
    """A 1-5 bar, coloured by how good the score is."""
    score = max(0, min(5, score))
    return Content.assemble(("█" * score, score_style(score)), ("░" * (5 - score), "$text-disabled"))


def verdict_badge(verdict: str, overall: float) -> Content:
    return Content.assemble((f" {verdict.upper()} ", VERDICT_STYLE.get(verdict, "bold")), f" {shown_score(overall)}/5")


def reason(rationale: str) -> str:
    """The rationale without its "2/5:" prefix: the bar already shows the score."""
    return _SCORE_PREFIX.sub("", rationale, count=1).strip()


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
