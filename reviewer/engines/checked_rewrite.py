"""A model's rewrite goes through the checks the scaffold's does, as a wrapper around the model engine.

The model writes its rewrite in the same call as its review, so nothing about it is known to be better. Before
the user sees it, the rules engine reviews the draft and the rewrite (placeholders the model added left blank,
`rewrite.unfilled`), offline and in milliseconds. A rewrite that scores lower than the draft on any dimension, or
overall, is not offered: the rules engine's scaffold (which never scores lower) is, with a note. One that holds
carries its scores, marked as the rules engine's (`Rewrite.scored_by`), next to the draft's scores from the same
engine, so the two compare like for like. The fact check (`facts.compare_facts`) ran already in the model engine.
A second model call to score the rewrite would double the cost and the wait of every review, so the
deterministic engine that also gates the hook does it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewer.engines import areview
from reviewer.engines.cached import CacheableEngine
from reviewer.engines.rules import RulesEngine
from reviewer.models import Message, Review
from reviewer.rewrite import draft_scores_of, scores_lowered, unfilled, with_sample_values
from reviewer.rubric import Rubric

CHECK_VERSION = 2
"""Part of the cache key: a review cached before the check (or under another one) is not served as checked."""


class CheckedRewriteEngine:
    """Reviews with `model`, then checks the model's rewrite with `rules` (see the module docstring)."""

    def __init__(self, model: CacheableEngine, rules: RulesEngine) -> None:
        self.model = model
        self.rules = rules
        self.name = model.name

    def review(self, message: Message, rubric: Rubric) -> Review:
        return checked_rewrite(self.model.review(message, rubric), message, rubric, self.rules)

    async def areview(self, message: Message, rubric: Rubric) -> Review:
        return checked_rewrite(await areview(self.model, message, rubric), message, rubric, self.rules)

    def cache_material(self, message: Message, rubric: Rubric) -> Mapping[str, Any]:
        return {**self.model.cache_material(message, rubric), "rewrite_check": CHECK_VERSION}

    def close(self) -> None:
        close = getattr(self.model, "close", None)
        if callable(close):
            close()


def checked_rewrite(review: Review, message: Message, rubric: Rubric, rules: RulesEngine) -> Review:
    """`review` with its model rewrite scored by `rules`, or replaced when it scores lower than the draft."""
    rewrite = review.rewrite
    if rewrite is None or rewrite.source != "model":
        return review
    draft = rules.judge(message, rubric)
    after = rules.judge(message.model_copy(update={"text": unfilled(rewrite.text, message.text)}), rubric)
    titles = {d.id: d.title for d in draft.dimensions}
    lowered = [titles.get(d, d) for d in scores_lowered(draft_scores_of(draft.dimensions, draft.overall), after)]
    if lowered:
        fallback = rules.review(message, rubric).rewrite
        if fallback is not None:
            # Scored by the rules engine, beside a draft the model scored: say so, with the draft's rules scores.
            fallback = fallback.model_copy(
                update={"scored_by": rules.name, "draft_dimensions": draft.dimensions, "draft_overall": draft.overall}
            )
        instead = "the rules engine's scaffold is offered instead" if fallback else "no rewrite is offered"
        note = (
            f"The model's rewrite scored lower than the draft on {', '.join(lowered)} (both checked offline by the "
            f"rules engine), so {instead}."
        )
        return review.model_copy(update={"rewrite": fallback, "notes": (*review.notes, note)})
    filled = None
    if unfilled(rewrite.text, message.text) != rewrite.text:
        filled = rules.judge(
            message.model_copy(update={"text": with_sample_values(rewrite.text, message.text)}), rubric
        )
    scored = rewrite.model_copy(
        update={
            "dimensions": after.dimensions,
            "overall": after.overall,
            "verdict": after.verdict,
            "scored_by": rules.name,
            "draft_dimensions": draft.dimensions,
            "draft_overall": draft.overall,
            "filled_overall": filled.overall if filled else None,
            "filled_verdict": filled.verdict if filled else None,
        }
    )
    return review.model_copy(update={"rewrite": scored})


__all__ = ["CHECK_VERSION", "CheckedRewriteEngine", "checked_rewrite"]
