"""Errors and the exit-code contract.

Every failure a user can cause or meet is one of these, carries a one-line message, and maps to one exit code, so
front ends print one line and exit instead of showing a traceback. "The review found problems" (exit 1) is kept
apart from "the tool could not review" (2, 3), as linters do, so a hook never mistakes a broken run for a clean one.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of every `candor` command (a documented contract: see README)."""

    OK = 0  #: reviewed; the verdict passes the gate (send, or revise when only block fails)
    BLOCKED = 1  #: reviewed; the verdict fails the gate
    USAGE = 2  #: bad flags, config, rubric or input: nothing was reviewed
    ENGINE = 3  #: the engine could not review (model server down, timeout, invalid replies)
    INTERRUPTED = 130  #: Ctrl-C


class CandorError(Exception):
    """Base of every error Candor reports to a user as one line."""

    exit_code: ExitCode = ExitCode.USAGE

    def __str__(self) -> str:
        # One line, always: a multi-line message would break hooks that show only the first line.
        return " ".join(super().__str__().split())


class InputError(CandorError):
    """The input is not a reviewable message (missing, empty, binary, undecodable, too large)."""


class ConfigError(CandorError):
    """A config file, environment variable or flag has a bad value."""


class RubricError(CandorError):
    """A rubric or prompt file is invalid; the message names the file and the field."""


class EngineError(CandorError):
    """The engine could not produce a review (network, timeout, rate limit, invalid model output)."""

    exit_code = ExitCode.ENGINE


def exit_code_for(error: BaseException) -> ExitCode:
    """Map any exception that reaches a front end to its exit code."""
    if isinstance(error, CandorError):
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    return ExitCode.ENGINE
