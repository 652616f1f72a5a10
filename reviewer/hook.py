"""The verdict-to-exit policy every pre-send gate shares: `candor check`, the mail wrapper, git hooks, an editor.

The engine judges: the thresholds (`send_at`, `block_below`, `max_major_for_send`) and the rule that a critical
finding blocks whatever the scores are the `Gate`'s (`reviewer.gate`), applied when the review is made. This module
decides what the judged run means for whoever called it, as the exit-code contract in the README says:

- 0 `OK`: everything asked for was reviewed and every verdict passes (`send`; `revise` too unless fail_on="revise");
- 1 `BLOCKED`: reviewed, and a verdict fails (`block`; `revise` too with fail_on="revise");
- 2 `USAGE`: a usage, config, rubric or input error: something asked for was not reviewed;
- 3 `ENGINE`: the engine could not review (with fail-open the engine has already given the rules review instead,
  so that case arrives here as a review and exits by its verdict).

A run that reviewed nothing is never a pass: no outcome at all is 2. When one run reviews several messages the
highest code wins, so a run that could not review everything says so even if what it did review was blocked: the
caller has to fix the run before it can trust any of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from reviewer.errors import ExitCode, exit_code_for
from reviewer.models import Review, Verdict

if TYPE_CHECKING:
    from reviewer.config import Settings

FailOn = Literal["block", "revise"]

_FAILING: dict[str, frozenset[Verdict]] = {
    "block": frozenset({"block"}),
    "revise": frozenset({"block", "revise"}),
}

Outcome = Review | Verdict | BaseException
"""What reviewing one message gave: its review (or just its verdict, as a batch records it), or the error that
stopped it."""


@dataclass(frozen=True)
class ExitPolicy:
    """Which verdicts fail, and how the outcomes of a run become one exit code."""

    fail_on: FailOn = "block"
    """The mildest verdict that fails: "block" (default) or "revise" (revise and block fail)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> ExitPolicy:
        if settings.fail_on not in _FAILING:  # the config loader already refuses anything else
            raise ValueError(f"fail_on must be 'block' or 'revise', not {settings.fail_on!r}")
        return cls(fail_on="revise" if settings.fail_on == "revise" else "block")

    @property
    def failing_verdicts(self) -> frozenset[Verdict]:
        return _FAILING[self.fail_on]

    def passes(self, review: Review) -> bool:
        return review.verdict not in self.failing_verdicts

    def exit_code(self, review: Review) -> ExitCode:
        """The exit code of a run that reviewed this one message."""
        return self.verdict_exit_code(review.verdict)

    def verdict_exit_code(self, verdict: Verdict) -> ExitCode:
        return ExitCode.BLOCKED if verdict in self.failing_verdicts else ExitCode.OK

    def outcome_exit_code(self, outcome: Outcome) -> ExitCode:
        if isinstance(outcome, Review):
            return self.exit_code(outcome)
        if isinstance(outcome, BaseException):
            return exit_code_for(outcome)
        return self.verdict_exit_code(outcome)

    def run_exit_code(self, outcomes: Iterable[Outcome]) -> ExitCode:
        """The exit code of a run over many messages: the highest of theirs, and 2 when there were none.

        An error that is not Candor's own (a bug, an OSError) counts as 3: the review did not happen.
        """
        worst: ExitCode | None = None
        for outcome in outcomes:  # a running maximum: a batch of millions keeps no list of them
            code = self.outcome_exit_code(outcome)
            worst = code if worst is None else max(worst, code)
        return ExitCode.USAGE if worst is None else worst
