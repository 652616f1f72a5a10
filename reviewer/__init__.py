"""Candor's core: review a client message for transparency, empathy, accountability, solutions and limited excuses.

This package never imports a terminal UI, and imports the LLM stack (openai, tiktoken, langchain-core) only when the
LLM engine is used.
"""

import os as _os
import sys as _sys

from reviewer.interrupt import caused_by_interrupt as _caused_by_interrupt


def _quiet_interrupt(kind: type[BaseException], value: BaseException, tb: object) -> None:
    """Ctrl-C while `candor` is still importing (before `main` can catch it): one line, not a traceback."""
    if issubclass(kind, KeyboardInterrupt) or _caused_by_interrupt(value):
        print("candor: interrupted", file=_sys.stderr, flush=True)
        # The documented exit code (130), not death by SIGINT, which is what Python reports after its hook returns.
        _os._exit(130)
    _sys.__excepthook__(kind, value, tb)  # type: ignore[arg-type]


if _os.path.basename(_sys.argv[0] if _sys.argv else "") in {"candor", "-m", "cli.py"}:
    _sys.excepthook = _quiet_interrupt

from reviewer.config import Settings, load_settings  # noqa: E402 - after the interrupt hook, on purpose
from reviewer.errors import CandorError, ConfigError, EngineError, ExitCode, InputError, RubricError  # noqa: E402
from reviewer.gate import Gate  # noqa: E402
from reviewer.models import Finding, Message, Missing, Review, Rewrite  # noqa: E402
from reviewer.rubric import Rubric, load_rubric  # noqa: E402
from reviewer.service import Reviewer, review  # noqa: E402
from reviewer.version import __version__  # noqa: E402

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
