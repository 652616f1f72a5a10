"""Candor's core: review a client message for transparency, empathy, accountability, solutions and limited excuses.

This package never imports a terminal UI, and imports the LLM stack (openai, tiktoken, langchain-core) only when the
LLM engine is used.
"""

from reviewer.config import Settings, load_settings
from reviewer.errors import CandorError, ConfigError, EngineError, ExitCode, InputError, RubricError
from reviewer.gate import Gate
from reviewer.models import Finding, Message, Missing, Review, Rewrite
from reviewer.rubric import Rubric, load_rubric
from reviewer.service import Reviewer, review
from reviewer.version import __version__

__all__ = [
    "CandorError",
    "ConfigError",
    "EngineError",
    "ExitCode",
    "Finding",
    "Gate",
    "InputError",
    "Message",
    "Missing",
    "Review",
    "Reviewer",
    "Rewrite",
    "Rubric",
    "RubricError",
    "Settings",
    "load_rubric",
    "load_settings",
    "review",
    "__version__",
]
