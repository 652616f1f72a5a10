"""One entry point for every front end: settings -> rubric + engine -> `Review`.

The CLI, the hook, the TUI, batch and the evals all review through `Reviewer`, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reviewer.config import Settings, load_settings
from reviewer.engines import Engine, get_engine
from reviewer.models import Message, Review
from reviewer.prompts import rubric_dir
from reviewer.rubric import Rubric, load_rubric


def rubric_for(settings: Settings) -> Rubric:
    from reviewer.cache import default_cache_dir

    directories = [rubric_dir(settings.prompts_dir), *settings.rubric_dirs]
    cache_dir = default_cache_dir(settings.cache_dir) if settings.cache else None
    return load_rubric(directories, disable=settings.disable, cache_dir=cache_dir)


class Reviewer:
    """A configured reviewer: the rubric is loaded and validated once, the engine built once."""

    def __init__(self, settings: Settings | None = None, *, engine: Engine | None = None) -> None:
        self.settings = settings or Settings()
        self.rubric = rubric_for(self.settings)
        self.engine = engine or get_engine(self.settings.engine, self.settings)

    @classmethod
    def from_config(cls, flags: Mapping[str, Any] | None = None, config_file: Path | None = None) -> Reviewer:
        return cls(load_settings(flags, config_file=config_file).settings)

    def review(self, message: Message) -> Review:
        """The engine's review, noting first what reading left out of the draft (so a cut is never silent)."""
        review = self.engine.review(message, self.rubric)
        if not message.notes:
            return review
        return review.model_copy(update={"notes": (*message.notes, *review.notes)})

    def review_text(self, text: str, *, situation: str | None = None, client: str | None = None) -> Review:
        return self.review(Message(text=text, situation=situation, client=client))


def review(text: str, *, situation: str | None = None, settings: Settings | None = None) -> Review:
    """Review one draft with the default (or given) settings: the simplest way in from Python."""
    return Reviewer(settings).review_text(text, situation=situation)
