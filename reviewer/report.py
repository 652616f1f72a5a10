"""What a pre-send gate prints: the same three formats for `candor check`, the mail wrapper and the git hooks.

- `text`: the human report (`reviewer.render`) followed by the gate's decision and why;
- `json`: the review document (`candor.review/1`); for a run over several messages, one JSON object a line
  (`{"path", "review"}` or `{"path", "error", "exit_code"}`);
- `line`: `path:line:col: severity rule: message`, the convention editors, CI annotations and pre-commit read.
  Every reviewed message ends with a `verdict` line, so a run that reviewed something never prints nothing, and a
  silent run cannot be mistaken for a clean one.

Line and column are 1-based and count characters. They point into the file as it is on disk where the reviewed
text can be found in it (a .txt or .md file, a plain-text email body); otherwise into the reviewed text itself.
Severity in `line` output is what editors understand: `error` for what blocks (a finding of a severity in
`block_on`, a failing verdict), `warning` for major findings and missing elements, `note` for minor ones.
Everything here is pure: it returns strings.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from reviewer.gate import Gate, blocking_reasons, shown_score
from reviewer.hook import ExitPolicy
from reviewer.models import Finding, Review
from reviewer.render import line_col, render_text, terminal_safe
from reviewer.rewrite import NO_AUTOMATIC_FIX, fix_label, preview_fix
from reviewer.rubric import Lexicon

Format = Literal["text", "json", "line"]
FORMATS: tuple[Format, ...] = ("text", "json", "line")


class SourceMap:
    """Maps character offsets in the reviewed text to offsets, lines and columns in the text it was taken from.

    The reviewed text is the source with quoted replies, signatures and surrounding blank space removed (and an
    email body decoded), so its lines appear in the source in the same order: each reviewed line is looked for in
    the source from where the previous one was found. A line that cannot be found (HTML mail, quoted-printable)
    has no place in the source; `position` then gives its place in the reviewed text.
    """

    def __init__(self, reviewed: str, source: str | None) -> None:
        self._reviewed = reviewed
        self._starts: list[int] = []
        self._where: list[tuple[int, int] | None] = []
        source_lines = (source or "").split("\n")
        self._source_starts: list[int] = []
        total = 0
        for line in source_lines:
            self._source_starts.append(total)
            total += len(line) + 1
        cursor = 0
        offset = 0
        for line in reviewed.split("\n"):
            self._starts.append(offset)
            offset += len(line) + 1
            found = None
            content = line.strip()
            if source is not None and content:
                lead = len(line) - len(line.lstrip())
                for index in range(cursor, len(source_lines)):
                    column = source_lines[index].find(content)
                    if column >= 0:
                        found = (index, column - lead)
                        cursor = index + 1
                        break
            self._where.append(found)

    def _line_of(self, offset: int) -> tuple[int, tuple[int, int] | None]:
        import bisect

        index = max(0, bisect.bisect_right(self._starts, offset) - 1)
        return index, (self._where[index] if index < len(self._where) else None)

    def source_offset(self, offset: int) -> int | None:
        """The character offset in the source of an offset into the reviewed text (None: not found there)."""
        index, found = self._line_of(offset)
        if found is None:
            return None
        line, column = found
        return self._source_starts[line] + max(0, column + offset - self._starts[index])

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset into the reviewed text."""
        index, found = self._line_of(offset)
        if found is None:
            return line_col(self._reviewed, offset)
        line, column = found
        return line + 1, max(0, column + offset - self._starts[index]) + 1


def source_text_of(raw: bytes, encoding: str | None = None) -> str:
    """A message's bytes as text for `SourceMap`; an email's headers are blanked, so no body line matches them."""
    from reviewer.inputs import looks_like_email

    text = raw.decode(encoding or "utf-8", "replace").replace("\r\n", "\n")
    if not (looks_like_email(raw) or raw.startswith(b"From ")):  # "From " opens an mbox or format-patch mail
        return text
    lines = text.split("\n")
    body = lines.index("") if "" in lines else len(lines)
    return "\n".join([""] * body + lines[body:])


@dataclass(frozen=True)
class Judged:
    """One reviewed message with what the gate made of it."""

    path: str
    review: Review
    passed: bool
    reasons: tuple[str, ...]
    """Why it is blocked, or why revise fails under fail_on="revise" (empty when it passes)."""


def judge(path: str, review: Review, gate: Gate, policy: ExitPolicy) -> Judged:
    passed = policy.passes(review)
    reasons: list[str] = []
    if review.verdict == "block":
        scores = {d.id: d.score for d in review.dimensions}
        reasons = blocking_reasons(review.overall, review.findings, gate, scores) or ["the engine's verdict"]
    elif not passed:
        reasons = [f"verdict revise fails with fail_on = {policy.fail_on}"]
    return Judged(path=path, review=review, passed=passed, reasons=tuple(reasons))


def decision(judged: Judged) -> str:
    """What the gate decided and why: `block (overall 2.0/5, rules): blocked: critical finding blame-client`."""
    review = judged.review
    head = f"{review.verdict} (overall {shown_score(review.overall)}/5, {review.engine})"
    if judged.passed:
        return f"{head}: passes the gate"
    return f"{head}: blocked: " + "; ".join(judged.reasons)


def decision_line(judged: Judged) -> str:
    """The decision, naming the message (for text output and the mail wrapper's stderr)."""
    return terminal_safe(f"{judged.path}: {decision(judged)}", keep_color=False)


def _clean(message: str) -> str:
    return " ".join(message.split())


def fix_labels(review: Review, lexicon: Lexicon) -> Callable[[Finding], str | None]:
    """What each finding's fix really does, in a few words: the safe fix (`rewrite.preview_fix`, the same as the
    TUI's Ctrl+F and the editor's quick fix), not the bare suggestion, or that there is none ("no automatic fix:
    reword it"), for every problem, as the TUI says it for every one."""

    def label(finding: Finding) -> str | None:
        return fix_label(finding, preview_fix(review.text, finding, lexicon))

    return label


def render_lines(judged: Judged, gate: Gate, source_text: str | None = None, lexicon: Lexicon | None = None) -> str:
    """`path:line:col: severity rule: message` for every problem and missing element, then the verdict line."""
    review = judged.review
    fix_of = fix_labels(review, lexicon) if lexicon is not None else None
    where = SourceMap(review.text, source_text)
    out: list[str] = []
    for finding in review.problems:
        line, col = where.position(finding.start)
        if finding.severity in gate.block_on:
            level = "error"
        else:
            level = "warning" if finding.severity in ("major", "critical") else "note"
        fix = ""
        if fix_of is not None:
            label = fix_of(finding)
            if label == NO_AUTOMATIC_FIX:
                fix = f" ({label})"
            elif label:
                fix = f" (fix: {'delete it' if label == 'delete' else label})"
        elif finding.replacement is not None:
            fix = f" (fix: {finding.replacement!r})" if finding.replacement else " (fix: delete it)"
        message = _clean(f"“{finding.quote}”: {finding.message}{fix}")
        out.append(f"{judged.path}:{line}:{col}: {level} {finding.rule}: {message}")
    # What belongs to the whole message sits at its first line: for an .eml, the body's, not the From: header's.
    top_line, top_col = where.position(0) if review.text else (1, 1)
    top = f"{judged.path}:{top_line}:{top_col}"
    for missing in review.missing:
        level = "warning" if missing.severity in ("major", "critical") else "note"
        out.append(f"{top}: {level} missing-{missing.id}: {_clean(missing.message)}")
    for note in review.notes:
        out.append(f"{top}: note candor: {_clean(note)}")
    level = "note" if judged.passed else "error"
    if judged.passed and review.verdict == "revise":
        level = "warning"
    out.append(f"{top}: {level} verdict: {decision(judged)}")
    # File names, quotes and notes come from the user's files: no control character reaches the terminal.
    return terminal_safe("\n".join(out), keep_color=False) + "\n"


def render_report(
    judged: Judged,
    gate: Gate,
    fmt: Format,
    *,
    source_text: str | None = None,
    color: bool = False,
    show_rewrite: bool = True,
    several: bool = False,
    lexicon: Lexicon | None = None,
) -> str:
    """One reviewed message in the chosen format. With the rubric's `lexicon`, each finding's fix is shown as
    what the safe fix does (the same as the TUI's and the editor's), else as the cue's suggestion."""
    if fmt == "line":
        return render_lines(judged, gate, source_text, lexicon)
    if fmt == "json":
        if several:
            document = {"path": judged.path, "review": json.loads(judged.review.to_json(indent=None))}
            return json.dumps(document, ensure_ascii=False) + "\n"
        return judged.review.to_json() + "\n"
    position = SourceMap(judged.review.text, source_text).position if source_text is not None else None
    fix_of = fix_labels(judged.review, lexicon) if lexicon is not None else None
    text = render_text(
        judged.review, source=judged.path, color=color, show_rewrite=show_rewrite, position=position, fix_of=fix_of
    )
    return text + decision_line(judged) + "\n"


def render_refusal(path: str, error: str, exit_code: int, fmt: Format, *, several: bool = False) -> str | None:
    """What stdout says about a message that was not reviewed (stderr gets the error line regardless)."""
    if fmt == "json" and several:
        return json.dumps({"path": path, "error": error, "exit_code": exit_code}, ensure_ascii=False) + "\n"
    return None


def summary_line(judged: Sequence[Judged], refused: int) -> str:
    """The closing line of a text run over several messages."""
    blocked = sum(1 for j in judged if not j.passed)
    parts = [f"{len(judged)} reviewed", f"{blocked} blocked"]
    if refused:
        parts.append(f"{refused} not reviewed")
    return "candor: " + ", ".join(parts) + "\n"
