"""One entry point for every front end: settings -> rubric + engine -> `Review`.

The CLI, the hook, the TUI, batch and the evals all review through `Reviewer`, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reviewer.config import Settings, load_settings
from reviewer.engines import Engine, get_engine
from reviewer.errors import ConfigError
from reviewer.gate import verdict_for
from reviewer.models import Message, Review
from reviewer.prompts import rubric_dir
from reviewer.rubric import Rubric, load_rubric
from reviewer.suppress import Suppressions, apply


def rubric_for(settings: Settings) -> Rubric:
    from reviewer.cache import default_cache_dir

    directories = [rubric_dir(settings.prompts_dir), *settings.rubric_dirs]
    cache_dir = default_cache_dir(settings.cache_dir) if settings.cache else None
    return load_rubric(directories, disable=settings.disable, cache_dir=cache_dir)


def _check_gate_dimensions(settings: Settings, rubric: Rubric) -> None:
    """A threshold on a dimension that is not in force would silently never block: refuse it."""
    known = {d.id for d in rubric.dimensions}
    for dimension in settings.dimension_block_below:
        if dimension not in known:
            state = "disabled" if dimension in settings.disable else "not in the rubric"
            raise ConfigError(
                f"dimension_block_below: {dimension!r} is {state}; dimensions in force: {', '.join(sorted(known))}"
            )


class Reviewer:
    """A configured reviewer: the rubric is loaded and validated once, the engine built once."""

    def __init__(self, settings: Settings | None = None, *, engine: Engine | None = None) -> None:
        self.settings = settings or Settings()
        self.rubric = rubric_for(self.settings)
        _check_gate_dimensions(self.settings, self.rubric)
        self.engine = engine or get_engine(self.settings.engine, self.settings)

    @classmethod
    def from_config(cls, flags: Mapping[str, Any] | None = None, config_file: Path | None = None) -> Reviewer:
        return cls(load_settings(flags, config_file=config_file).settings)

    def review(self, message: Message) -> Review:
        """Review under the project's suppressions too (whatever an engine still flags that was asked to be ignored,
        a model's own findings, is dropped here and the verdict judged again), noting first what reading left out of
        the draft, so a cut is never silent."""
        review = self._review(message)
        if not message.notes:
            return review
        return review.model_copy(update={"notes": (*message.notes, *review.notes)})

    def _review(self, message: Message) -> Review:
        settings = self.settings
        rules = tuple(dict.fromkeys(settings.ignore + message.ignore))
        phrases = tuple(dict.fromkeys(settings.allow_phrases + message.allow))
        if not (rules or phrases):
            return self.engine.review(message, self.rubric)
        message = message.model_copy(update={"ignore": rules, "allow": phrases})
        review = self.engine.review(message, self.rubric)
        left = apply(Suppressions(rules, phrases), review.text, review.findings, review.missing)
        if len(left.findings) == len(review.findings) and len(left.missing) == len(review.missing):
            return review
        dropped = [n for n in left.notes if n.startswith("Ignored") and n not in review.notes]
        scores = {d.id: d.score for d in review.dimensions}
        verdict = verdict_for(review.overall, left.findings, settings.gate, scores)
        return review.model_copy(
            update={
                "findings": left.findings,
                "missing": left.missing,
                "verdict": verdict,
                "notes": (*review.notes, *dropped),
            }
        )

    def review_text(self, text: str, *, situation: str | None = None, client: str | None = None) -> Review:
        return self.review(Message(text=text, situation=situation, client=client))


def review(text: str, *, situation: str | None = None, settings: Settings | None = None) -> Review:
    """Review one draft with the default (or given) settings: the simplest way in from Python."""
    return Reviewer(settings).review_text(text, situation=situation)
