"""Human-readable text for a review (the CLI's default output). Pure: returns strings; colour is a parameter."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

from reviewer.gate import shown_score
from reviewer.models import Finding, Review, Rewrite
from reviewer.text import clip

__all__ = ["clip", "line_col", "render_text", "rewrite_score_lines", "terminal_safe"]

_COLORS = {
    "send": "32",
    "revise": "33",
    "block": "31",
    "critical": "31;1",
    "major": "31",
    "minor": "33",
    "positive": "32",
    "dim": "2",
    "bold": "1",
}


_OWN_SGR = "|".join(sorted({re.escape(code) for code in _COLORS.values()} | {"0"}, key=len, reverse=True))
_UNSAFE = re.compile(rf"\x1b\[(?:{_OWN_SGR})m|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str, *, keep_color: bool) -> str:
    """Show control characters from the draft, the model or a file name as `\\x1b`-style text instead of sending them
    to the terminal (`\\x1b]52;...` writes the clipboard, `\\x1b[2J` clears the screen); only our own colours pass."""

    def visible(match: re.Match[str]) -> str:
        found = match.group()
        if len(found) > 1:
            return found if keep_color else "\\x1b" + found[1:]
        return f"\\x{ord(found):02x}"

    return _UNSAFE.sub(visible, text)


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset, as editors count them."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def rewrite_score_lines(review: Review, width: int = 110) -> list[str]:
    """The rewrite's scores next to the draft's, both from the rewrite's scorer (the draft's engine, or the rules
    engine for a model's rewrite), placeholders left blank; or nothing when the rewrite was not re-reviewed."""
    rewrite = review.rewrite
    if rewrite is None or rewrite.dimensions is None:
        return []
    draft_dimensions, draft_overall = rewrite.baseline(review)
    after = {d.id: d.score for d in rewrite.dimensions}
    pairs = [f"{d.title} {d.score}→{after[d.id]}" for d in draft_dimensions if d.id in after]
    by = f", scored by the {rewrite.scored_by} engine" if rewrite.scored_by else ""
    line = f"  Rewrite as it stands (placeholders unfilled{by}): " + ", ".join(pairs)
    if rewrite.overall is not None:
        line += f"; overall {shown_score(draft_overall)}→{shown_score(rewrite.overall)}"
    if rewrite.verdict is not None:
        line += f" ({rewrite.verdict})"
    if rewrite.verdict == "block":
        # Accepting it as is would still hit the gate: say so where the writer decides, not only in the verdict.
        line += ". It would still be blocked" + (
            ": what it could not fix is below (“not fixed”)." if rewrite.unapplied else "."
        )
    lines = textwrap.wrap(line, width, subsequent_indent="    ")
    filled = filled_projection(review)
    if filled:
        lines += textwrap.wrap(f"  {filled}", width, subsequent_indent="    ")
    return lines


def left_to_the_writer(rewrite: Rewrite) -> list[str]:
    """What the rewrite did not change, one line each with the reason ("not fixed: “slipped a bit”: ..."): the
    terminal report and the terminal UI's rewrite screen show the same lines, since both say they are there."""
    lines = [f"kept as written: {edit}" for edit in rewrite.dropped_edits]
    lines += [f"not fixed: “{clip(unfixed.quote, 50)}”: {unfixed.reason}" for unfixed in rewrite.unapplied]
    return lines


def filled_projection(review: Review) -> str:
    """What filling in the rewrite's blanks is worth, projected with plain sample values ("Friday at 10:00"), or ""
    when it leaves none: the blanks are never credited in the rewrite's own score, so without this a scaffold that
    only adds them looks like no progress at all."""
    rewrite = review.rewrite
    if rewrite is None or rewrite.filled_overall is None or rewrite.overall is None:
        return ""
    verdict = f" ({rewrite.filled_verdict})" if rewrite.filled_verdict else ""
    return (
        f"Once its blanks are filled in (projected with sample values such as “Friday at 10:00”): "
        f"overall {shown_score(rewrite.overall)}→{shown_score(rewrite.filled_overall)}{verdict}."
    )


def render_text(
    review: Review,
    *,
    source: str = "draft",
    color: bool = False,
    show_rewrite: bool = True,
    position: Callable[[int], tuple[int, int]] | None = None,
    fix_of: Callable[[Finding], str | None] | None = None,
) -> str:
    """The review for a person. `position` maps an offset into the reviewed text to the 1-based (line, column) of
    the file it came from (an .eml's body starts below its headers): the same place `--format line` names.
    `fix_of` says what a finding's fix really does (`report.fix_labels`), else its suggested replacement is shown.
    """

    def paint(value: str, style: str) -> str:
        return f"\x1b[{_COLORS[style]}m{value}\x1b[0m" if color else value

    out: list[str] = []
    verdict = paint(review.verdict.upper(), review.verdict)
    out.append(f"{source}: {verdict}  overall {shown_score(review.overall)}/5  ({review.engine})")
    out.append("")
    width = max(len(d.title) for d in review.dimensions)
    for dim in review.dimensions:
        bar = "█" * dim.score + "░" * (5 - dim.score)
        out.append(f"  {dim.title:<{width}}  {bar} {dim.score}  {paint(dim.rationale, 'dim')}")
    problems = review.problems
    if problems:
        out.append("")
        out.append(paint("Phrases to fix", "bold"))
        for f in problems:
            line, col = position(f.start) if position is not None else line_col(review.text, f.start)
            fix = ""
            if fix_of is not None:
                label = fix_of(f)
                fix = f"  → {label}" if label else ""
            elif f.replacement is not None:
                fix = f"  → {f.replacement!r}" if f.replacement else "  → delete"
            quote = clip(f.quote, 70)
            out.append(f"  {line}:{col}  {paint(f.severity, f.severity)}  {f.rule}  “{quote}”{fix}")
            out.append(textwrap.indent(textwrap.fill(f.message, 96), "      "))
    if review.missing:
        out.append("")
        out.append(paint("Missing", "bold"))
        for item in review.missing:
            out.append(f"  - {paint(item.severity, item.severity)}  {item.message}")
    if review.suggestions and not problems and not review.missing:
        # Nothing specific to fix: the suggestions are then what each low dimension should aim for.
        out.append("")
        out.append(paint("To aim for", "bold"))
        for aim in review.suggestions:
            out.append(textwrap.fill(aim, 100, initial_indent="  - ", subsequent_indent="    "))
    # One line per strength and phrase: "your board" found twice is one thing that works, said once.
    credits = list(
        dict.fromkeys(f"  + {f.message} “{clip(f.quote, 60)}”" for f in review.findings if f.severity == "positive")
    )
    if credits:
        out.append("")
        out.append(paint("Working well", "bold"))
        out.extend(credits)
    for note in review.notes:
        out.append(paint(f"note: {note}", "dim"))
    if show_rewrite and review.rewrite is not None:
        out.append("")
        out.append(paint(f"Suggested rewrite ({review.rewrite.source}; fill in the [brackets])", "bold"))
        out.append(textwrap.indent(review.rewrite.text, "  │ "))
        out.extend(rewrite_score_lines(review))
        out.extend(paint(f"  {line}", "dim") for line in left_to_the_writer(review.rewrite))
        for fact in review.rewrite.changed_facts:
            out.append(paint(f"  ! rewrite {fact.change} a {fact.kind}: {fact.value}", "major"))
    return terminal_safe("\n".join(out) + "\n", keep_color=color)
