"""The scaffold rewrite: the draft with its worst phrases fixed and the missing pieces laid out for the writer.

It edits only where a finding says how (vague timing -> "by [date]", a minimiser dropped, a blaming clause removed),
adds an acknowledgement after the greeting when one is owed, and a next-steps block before the sign-off. What only
the writer knows stays in [brackets]. It never invents dates, names or amounts, and it never deletes one: an edit
whose span holds a fact is skipped, and whatever it puts in is checked for facts.
"""

from __future__ import annotations

import bisect
import re

from reviewer.facts import extract_facts, strip_placeholders
from reviewer.models import ChangedFact, Finding, Message, Missing, Rewrite
from reviewer.text import sentence_at

_CAUSAL_OPENER = re.compile(r"^(?:due to|because of|caused by|owing to|thanks to|down to|on your (?:end|side))", re.I)
_GREETING = re.compile(r"^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings)\b[^\n]*\n", re.I)
_SIGN_OFF = re.compile(
    r"^[ \t]*(?:thanks|thank you|many thanks|best|best regards|kind regards|regards|warm regards|cheers|sincerely|"
    r"all the best|talk soon|speak soon|yours)\b[^\n]{0,40}$",
    re.I | re.M,
)
OWN_IT = "[Say in one line what we got wrong.]"


def _edit_for(text: str, finding: Finding) -> tuple[int, int, str] | None:
    """The (start, end, new text) edit a finding asks for, or None when it cannot be made safely.

    Unsafe means the edit would delete a fact (date, amount, name...): the finding stays for the writer to fix.
    """
    edit = _proposed_edit(text, finding)
    if edit is None or _touches_a_fact(text, edit[0], edit[1]):
        return None
    return edit


def _touches_a_fact(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] overlaps a fact, judged within its sentence (cheaper than the whole text, and the
    same answer: facts do not cross sentences)."""
    sentence = sentence_at(text, start)
    lo, hi = min(start, sentence.start), max(end, sentence.end)
    return any(lo + f.start < end and lo + f.end > start for f in extract_facts(text[lo:hi]))


def _proposed_edit(text: str, finding: Finding) -> tuple[int, int, str] | None:
    if finding.replacement is None or finding.severity == "positive":
        return None
    start, end = finding.start, finding.end
    if finding.replacement:
        return start, end, finding.replacement
    sentence = sentence_at(text, start)
    if _CAUSAL_OPENER.match(finding.quote):
        # A causal clause goes whole: up to the next comma, or to the end of the sentence.
        comma = text.find(",", end, sentence.end)
        end = comma + 1 if comma != -1 else sentence.end
        while end > start and text[end - 1] in ".!?":
            end -= 1
    elif finding.family == "blame":
        # A blaming subject ("The vendor failed to...") would leave a fragment: the sentence gives way to a prompt.
        return sentence.start, sentence.end, OWN_IT
    return start, end, ""


_BOUNDARY = re.compile(r"(?:^|[.!?][\"')\]]*\s+|\n\s*)$")


def _splice(text: str, start: int, end: int, new: str) -> str:
    """Replace text[start:end]; after a deletion, mend spacing, stray commas and the capital of a sentence start."""
    before, after = text[:start], text[end:]
    if new:
        return before + new + after
    if _BOUNDARY.search(before):
        after = after.lstrip(" ,;:")
        return before + after[:1].upper() + after[1:]
    if before.endswith(" ") and (after[:1] in {" ", ",", ".", ";", ":", "!", "?"}):
        before = before.rstrip(" ")
    return before + after


def _tidy(text: str) -> str:
    text = re.sub(r"(?<![ \t])[ \t]+([,.;:!?])", r"\1", text)  # from the start of a run only: linear
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r",(\s*)\.", r".", text)
    return re.sub(r"(?<=\S)[ \t]{2,}", " ", text)


def apply_edits(text: str, findings: list[Finding]) -> str:
    """Make every safe edit the findings ask for; an edit whose span holds a fact is skipped."""
    return _edited(text, findings)[0]


def _edited(text: str, findings: list[Finding]) -> tuple[str, list[str]]:
    """The edited text and the strings the edits put in (what a fact check of the result needs to look at)."""
    edits: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []  # the edits' spans, sorted and disjoint: an overlap check is a bisect
    for finding in sorted(findings, key=lambda f: f.start):
        edit = _proposed_edit(text, finding)
        if edit and _touches_a_fact(text, edit[0], edit[1]):
            continue
        if edit:
            i = bisect.bisect_left(taken, (edit[0], edit[1]))
            if (i == 0 or taken[i - 1][1] <= edit[0]) and (i == len(taken) or taken[i][0] >= edit[1]):
                taken.insert(i, (edit[0], edit[1]))
                edits.append(edit)
    for start, end, new in sorted(edits, reverse=True):
        text = _splice(text, start, end, new)
    return (_tidy(text) if edits else text), [new for _, _, new in edits]


def apply_finding(text: str, finding: Finding) -> str | None:
    """The text with one finding's replacement applied (what the TUI's fix key does), or None if not safe."""
    edit = _edit_for(text, finding)
    if edit is None:
        return None
    start, end, new = edit
    return _tidy(_splice(text, start, end, new))


def _insert_opening(text: str, lines: list[str]) -> str:
    if not lines:
        return text
    block = " ".join(lines)
    greeting = _GREETING.match(text)
    if greeting:
        cut = greeting.end()
        return text[:cut] + "\n" + block + "\n\n" + text[cut:].lstrip("\n")
    return block + "\n\n" + text


def _insert_next_steps(text: str, lines: list[str]) -> str:
    if not lines:
        return text
    block = "Next steps:\n" + "\n".join(f"- {line}" for line in lines)
    sign_offs = list(_SIGN_OFF.finditer(text))
    # Only a sign-off near the end counts: "Thanks for your patience" in the first paragraph is not one.
    if sign_offs and sign_offs[-1].start() > len(text) * 0.6:
        cut = sign_offs[-1].start()
        return text[:cut].rstrip() + "\n\n" + block + "\n\n" + text[cut:]
    return text.rstrip() + "\n\n" + block + "\n"


def scaffold_rewrite(message: Message, findings: list[Finding], missing: list[Missing]) -> Rewrite | None:
    """A better draft to start from, or None when there is nothing to change."""
    draft = message.text
    text, inserted = _edited(draft, findings)
    opening = [m.placeholder for m in missing if m.placeholder and m.placement == "opening"]
    steps = [m.placeholder for m in missing if m.placeholder and m.placement == "next_steps"]
    text = _insert_next_steps(_insert_opening(text, opening), steps)
    if text == draft:
        return None
    # Edits never touch a fact's span, so the only facts that can differ are in what was put in: check just that
    # (a test compares every scaffold of the labelled drafts with its draft in full).
    added = extract_facts(strip_placeholders("\n".join([*inserted, *opening, *steps])))
    changed = tuple(ChangedFact(kind=f.kind, change="added", value=f.value) for f in added)
    return Rewrite(text=text, source="scaffold", changed_facts=changed)
