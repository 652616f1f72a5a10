"""The scaffold rewrite: the draft with every listed fix made, and the missing pieces laid out for the writer.

Every problem the review lists is either fixed or reported back as an `UnappliedFix` with its reason. A fix works on
the smallest unit that leaves a sentence standing: a phrase with a replacement is replaced ("soon" -> "by [date]");
a blaming cause ("due to circumstances beyond our control") loses its whole clause; a blaming clause joined to the
news (", and your team sent the content late") goes with its joint; a sentence that only minimises, guarantees or
blames goes whole. It never deletes a fact (date, time, amount, name...) and never the news itself: a sentence that
tells what happened stays unless another sentence already tells it. An acknowledgement goes after the greeting
(splitting "Hi Dana, the site..." when they share a line), one apology only, and a next-steps block before the
sign-off, whether that is "Best,\nSam" or a bare name. What only the writer knows stays in [brackets].
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from reviewer.facts import common_words, extract_facts, strip_placeholders
from reviewer.models import ChangedFact, DimensionScore, Finding, Message, Missing, Review, Rewrite, UnappliedFix
from reviewer.rubric import TEMPLATE_BLANKS, Lexicon
from reviewer.text import BLANK, clip, diff_window, lowered, sentence_at

_BARE_NAME = re.compile(
    r"^[ \t]*(?:(?:-\s*)?[A-Z][\w.'’-]*(?:[ \t]+[A-Z][\w.'’-]*){0,2}(?:[ \t]+(?:team|support|crew|folks|group))?"
    r"|\[[^\[\]\n]{1,30}\]|\{\{[^{}\n]{1,30}\}\})[ \t]*$"
)
"""A signature on the last line: a bare name ("Sam", "- Priya Nair"), or a template's "[Signature]" / "{{name}}"."""
_WHOLE_SENTENCE_FAMILIES = frozenset(
    {"blame", "minimising", "over_promising", "hostile_tone", "dismissive", "deflection", "self_focus"}
)
"""Families whose flagged sentence can go whole when no smaller unit works (it adds nothing the client needs)."""


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    new: str
    finding: Finding


def _facts_in(text: str, start: int, end: int) -> list[str]:
    """The facts overlapping text[start:end], judged within the sentences around it (facts never cross them)."""
    lo = sentence_at(text, start).start
    hi = max(end, sentence_at(text, max(start, end - 1)).end)
    return [f.value for f in extract_facts(text[lo:hi]) if lo + f.start < end and lo + f.end > start]


def _news_stems(text: str, lexicon: Lexicon) -> list[str]:
    return [m.group(0)[:5] for m in lexicon.what_went_wrong.finditer(lowered(text))]


@lru_cache(maxsize=16)
def _news_positions(text: str, what_went_wrong: re.Pattern[str]) -> tuple[tuple[int, int, str], ...]:
    """Every place the text says what went wrong, found once per text: each deletion the rewrite weighs asks only
    which of them lie outside it, instead of scanning the rest of the text again (quadratic on a long draft)."""
    return tuple((m.start(), m.end(), m.group(0)[:5]) for m in what_went_wrong.finditer(lowered(text)))


def _news_told_elsewhere(
    text: str, start: int, end: int, lexicon: Lexicon, accusation: tuple[int, int] | None = None
) -> bool:
    """Whether deleting text[start:end] keeps the news: what it says went wrong is said outside it too (or it says
    nothing went wrong). The words of a blaming finding (`accusation`: "your team failed to send...") are what the
    client is blamed for, not the news."""
    positions = _news_positions(text, lexicon.what_went_wrong)
    if accusation is None:
        inside = _news_stems(text[start:end], lexicon)
    else:
        # From the positions found once per text, not by searching the sentence again for each finding (one
        # finding after another in a 49,000-character unpunctuated draft made that quadratic).
        a_start, a_end = accusation
        starts = _news_index(text, lexicon.what_went_wrong)[0]
        inside = [
            stem
            for s, e, stem in positions[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, end)]
            if e <= end and not (s >= a_start and e <= a_end)
        ]
    if not inside:
        return True
    spread = _news_index(text, lexicon.what_went_wrong)[1]

    def said_outside(stem: str) -> bool:
        first_end, last_start = spread.get(stem, (len(text) + 1, -1))
        return first_end <= start or last_start >= end

    if any(said_outside(stem) for stem in _LATENESS) and all(stem in _LATENESS for stem in inside):
        return True  # "The report is late." tells what "The delay was because..." tells: it is late
    return all(said_outside(stem) for stem in inside)


@lru_cache(maxsize=16)
def _news_index(text: str, what_went_wrong: re.Pattern[str]) -> tuple[list[int], dict[str, tuple[int, int]]]:
    """Where each mention of the news starts, and per news stem where its first mention ends and its last one
    starts: a stem is said outside a span exactly when one of those lies outside it, so each question costs two
    comparisons, not a pass over every mention (keyed by the text, whose hash Python keeps)."""
    positions = _news_positions(text, what_went_wrong)
    spread: dict[str, tuple[int, int]] = {}
    for s, e, stem in positions:
        first_end, last_start = spread.get(stem, (e, s))
        spread[stem] = (min(first_end, e), max(last_start, s))
    return [s for s, _, _ in positions], spread


_LATENESS = frozenset({"late", "delay", "slip", "slipp", "misse", "missi", "postp", "pushe", "push "})
"""The news words that all say one thing, that something is late: one of them elsewhere keeps the news."""


def _clause(text: str, finding: Finding, lexicon: Lexicon) -> tuple[int, int, bool] | None:
    """The clause a blaming finding sits in, when it is not the whole sentence: a causal clause ("due to ...") up
    to the next comma or the sentence end (True: the main clause keeps the news), or a clause joined by ", and" /
    ", but" / ";" (False)."""
    sentence = sentence_at(text, finding.start)
    before = text[sentence.start : finding.start]
    # Only a cause word at most 40 characters before the finding counts, so only those are searched: scanning from
    # the sentence start made an unpunctuated 49,000-character draft quadratic (no cause phrase can start inside
    # another, and \b still sees the character before `pos`, so the matches are the same).
    window = max(sentence.start, finding.start - 40)
    causal = [m for m in lexicon.causal.finditer(text, window, finding.end) if finding.start - m.start() <= 40]
    if causal and causal[-1].start() <= finding.start + 1:
        start = causal[-1].start()
        comma = text.find(",", finding.end, sentence.end)
        end = comma if comma != -1 else sentence.end
        while end > start and text[end - 1] in ".!?":
            end -= 1
        if start == sentence.start and end >= sentence.end - 1:
            return None
        return start, end, True
    joint = max(before.rfind(", and "), before.rfind(", but "), before.rfind("; "), before.rfind(", while "))
    if joint == -1 or re.search(r"[,;(—–]", text[finding.end : sentence.end]):
        # Only a clause that runs to the end of its sentence can go without leaving a fragment behind.
        return None
    start = sentence.start + joint
    end = sentence.end
    while end > start and text[end - 1] in ".!?":
        end -= 1
    return start, end, False


_SUBORDINATORS = frozenset("if when because since although though unless while as once whereas".split())
_DANGLING = frozenset(
    """is was were are be been being am mainly partly largely mostly only simply just all also that to of for by with
    from in on at and but or so the a an our your their its""".split()
)


def _leaves_a_fragment(text: str, start: int, end: int) -> bool:
    """Whether cutting text[start:end] leaves its sentence unfinished: "The delay was [because your team...]."
    (the cut was the sentence's complement), "[That's your problem], not ours." (two words left), or "If you're not
    happy[, feel free to go elsewhere]." (a condition with no main clause). Then the sentence is the writer's to
    reword, or goes whole. Only the words next to the cut and the sentence's first word are read (a bounded window,
    so a long unpunctuated draft with many findings stays linear)."""
    sentence = sentence_at(text, start)
    head = _WORD.findall(text, max(sentence.start, start - 120), start)
    tail_text = text[end : min(sentence.end, end + 120)]
    tail = _WORD.findall(tail_text)
    if len(head) + len(tail) < 3:
        return True  # "Not ours.", "Thanks.": what is left is no sentence ("The launch slipped." is one)
    first = _WORD.match(text, sentence.start)
    head_end = start
    while head_end > sentence.start and text[head_end - 1] in " \t,;":
        head_end -= 1  # the comma the cut leaves dangling is no joint: "If you're not happy[, feel free...]"
    if (
        first is not None
        and first.group(0).lower() in _SUBORDINATORS
        and text.find(",", sentence.start, head_end) < 0
        and text.find(",", end, sentence.end) < 0
    ):
        return True
    if re.match(r",\s+(?:who|whose|which|whom)\b|,\s+[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*)*,", tail_text):
        return True  # "caused by our vendor[, DataPipe Ltd, whose API...]": what follows belongs to the cut
    stripped = tail_text.strip()
    return bool(head) and head[-1].lower() in _DANGLING and (not stripped or stripped[0] in ",;.!?")


_WORD = re.compile(r"[\w'’-]+")


def _main_clause_tells_news(text: str, clause_start: int, finding: Finding, lexicon: Lexicon) -> bool:
    """Whether a blaming clause joined to its sentence ("The migration slipped, and your team sent the content
    late") can go although it holds a news word: the clause before the joint tells what went wrong, so what goes is
    the accusation ("late" is the client's part), not the news."""
    if finding.family != "blame":
        return False
    begins = sentence_at(text, clause_start).start
    positions = _news_positions(text, lexicon.what_went_wrong)
    # Mentions never overlap, so the first one starting in the sentence is the one that ends soonest.
    first = bisect.bisect_left(_news_index(text, lexicon.what_went_wrong)[0], begins)
    return first < len(positions) and positions[first][1] <= clause_start


def _removable(text: str, start: int, end: int, lexicon: Lexicon) -> bool:
    """Whether deleting text[start:end] leaves the sentence whole: an adverb or two ("definitely", "frankly"), or a
    phrase set off by punctuation ("..., to be honest, ...")."""
    words = text[start:end].split()
    if len(words) <= 2 and all(lexicon.adverb.fullmatch(w.strip(",.;:!?")) for w in words):
        return True
    sentence = sentence_at(text, start)
    before = text[sentence.start : start].rstrip()
    after = text[end : sentence.end].lstrip()
    if not before and (not after or after in {".", "!", "?"}):
        return False  # the phrase is the whole sentence: the sentence goes, not the phrase
    opens = not before or before[-1] in ",;:(—–-"
    closes = not after or after[0] in ",;.!?)—–-"
    return opens and closes


def _with_its_commas(text: str, start: int, end: int) -> tuple[int, int]:
    """A phrase set off by commas goes with one of them: "The report[, needless to say,] is late." -> "The report is
    late.", not "The report, is late."."""
    before, after = start, end
    while before > 0 and text[before - 1] in " \t":
        before -= 1
    while after < len(text) and text[after] in " \t":
        after += 1
    if before > 0 and text[before - 1] == "," and after < len(text) and text[after] == ",":
        return before - 1, after + 1
    return start, end


_GOES_ON = re.compile(r"[ \t]+(?!(?:and|but|so|or|to|for|if|when|while|because|as|with|at|on|in|once)\b)[a-z]")
"""After a vague time, a word that carries its phrase on ("as soon as we can [manage]", "soon [slipped]"): the
blank would leave that word stranded."""
_REQUEST = re.compile(
    r"\b(?:please(?! (?:rest|be) assured| note| be aware)|let (?:me|us) know|tell (?:me|us)|e-?mail (?:me|us)"
    r"|contact (?:me|us)|if you)\b",
    re.IGNORECASE,
)
_CONDITION = re.compile(r"\b(?:if|unless|whether|always)\b", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[.!?,;:()]|\b(?:but|and|so|while|although|though|however)\b", re.IGNORECASE)
_PAST = re.compile(r"\b(?:was|were|had|did)\b(?! (?:going|due|to)\b)", re.I)
_FUTURE = re.compile(r"\b(?:will|we'll|i'll|going to|plan(?:s|ning)? to|aim to|expect to|intend to|hope to)\b", re.I)
_QUOTED = re.compile(r"[\"“][^\"“”\n]{1,200}[\"”]")


def _no_date_owed_here(text: str, start: int, end: int, lexicon: Lexicon) -> str | None:
    """Why a vague time may not become "by [date]", or None when it may. The blank asks the writer for the date
    of something they promise; it does not belong in a request to the reader ("please tell me asap"), a condition
    or a standing rule ("if things change down the line", "always goes out asap"), a past event ("this was done
    asap"), a negation ("not something we plan to build in the near future"), a quotation, or where the next word
    carries the phrase on ("as soon as we can manage")."""
    sentence = sentence_at(text, start)
    words = text[sentence.start : sentence.end]
    # Its own clause: "we have no further ETA, but will update you asap" is no negation of the update.
    before = _CLAUSE_BREAK.split(text[sentence.start : start])[-1]
    if _GOES_ON.match(text, end):
        return "its sentence goes on from the vague time, so a date blank would not fit: reword it yourself"
    if any(m.start() <= start - sentence.start and end - sentence.start <= m.end() for m in _QUOTED.finditer(words)):
        return "it is inside a quotation: reword it yourself if the date is yours to give"
    if _REQUEST.search(before):
        return "it is what you ask of the reader, not a time you promise: reword it yourself"
    if _CONDITION.search(text[sentence.start : start]):
        return "it sits in a condition or a standing rule, not a time you promise: reword it yourself"
    if set(re.findall(r"[a-z']+", before.lower())) & lexicon.features.negation or "n't " in before.lower():
        return "it is negated, so a date blank would change what it says: reword it yourself"
    if _PAST.search(words) and not _FUTURE.search(words):
        return "it tells what already happened, not a time you promise: reword it yourself"
    return None


def plan_edit(
    text: str, finding: Finding, lexicon: Lexicon, flagged: int | None = None
) -> tuple[_Edit | None, str | None]:
    """The edit a finding asks for, or None and the reason it cannot be made safely. `flagged`: how many words of the
    finding's sentence the review flags in all (`_flagged_words`), when several findings share it; else its own."""
    if finding.severity == "positive":
        return None, None
    start, end = finding.start, finding.end
    if finding.replacement:
        if finding.replacement[:1].isupper() and start != sentence_at(text, start).start:
            # "I'm sorry [...]" is a sentence of its own: mid-sentence it would read "apologise for I'm sorry".
            return _inline_apology(text, finding, lexicon)
        if finding.replacement[:1].isupper() and not _ends_a_clause(text, end):
            # "We apologize for the problems [some of our users are still having...]": the words after the match say
            # what for, and "I'm sorry [...] some of our users are still having" would be no sentence.
            return None, "the apology goes on to say what it is for: reword its opening yourself"
        facts = _facts_in(text, start, end)
        if facts:
            return None, f"it holds a fact ({facts[0]}): reword it around that yourself"
        if finding.family == "vague_timing":
            unpromised = _no_date_owed_here(text, start, end, lexicon)
            if unpromised is not None:
                return None, unpromised
            # "fairly soon" -> "by [date]", not "fairly by [date]": the degree word goes with the vague time.
            degree = _DEGREE_BEFORE.search(text, max(0, start - 20), start)
            if degree is not None:
                start = degree.start()
        return _Edit(start, end, finding.replacement, finding), None
    clause = _clause(text, finding, lexicon) if finding.family in {"blame", "deflection"} else None
    if clause is not None:
        clause_start, clause_end, causal = clause
        facts = _facts_in(text, clause_start, clause_end)
        if (
            not facts
            and not _leaves_a_fragment(text, clause_start, clause_end)
            and (
                causal
                or _news_told_elsewhere(text, clause_start, clause_end, lexicon)
                or _main_clause_tells_news(text, clause_start, finding, lexicon)
            )
        ):
            return _Edit(clause_start, clause_end, "", finding), None
    if (
        finding.replacement == ""
        and finding.family not in {"blame"}
        and _removable(text, start, end, lexicon)
        and not _leaves_a_fragment(text, start, end)
    ):
        facts = _facts_in(text, start, end)
        if facts:
            return None, f"it holds a fact ({facts[0]}): reword it around that yourself"
        return _Edit(*_with_its_commas(text, start, end), "", finding), None
    sentence = sentence_at(text, start)
    if finding.family not in _WHOLE_SENTENCE_FAMILIES or end > sentence.end:
        return None, "no automatic fix for this one: rephrase it in your own words"
    facts = _facts_in(text, sentence.start, sentence.end)
    if facts:
        return None, f"its sentence holds a fact ({facts[0]}): rephrase it yourself"
    if flagged is None:
        flagged = len(text[start:end].split())
    if flagged < WHOLE_SENTENCE_SHARE * len(text[sentence.start : sentence.end].split()):
        # "That email is spam and has nothing to do with us.": the rest of the sentence is what the client needs
        # (a decision, an instruction, the news), so it stays for the writer to reword.
        return None, "its sentence says more than the flagged words: rephrase it yourself"
    accusation = (start, end) if finding.family == "blame" else None
    if not _news_told_elsewhere(text, sentence.start, sentence.end, lexicon, accusation):
        return None, "its sentence carries the news: say what happened without it"
    return _Edit(sentence.start, sentence.end, "", finding), None


WHOLE_SENTENCE_SHARE = 0.6
"""A sentence goes whole only when the flagged words are at least this share of it: then it is the problem phrase
and little else ("Rest assured, this will never happen again.")."""
_DEGREE_BEFORE = re.compile(r"\b(?:fairly|pretty|very|quite|really|relatively|reasonably|rather) $", re.IGNORECASE)
_CLAUSE_END = re.compile(r"\s*(?:[,;.!?]|\band\b(?! any)|\bbut\b|\bwhile\b|$)")
WHAT_HAPPENED = "[what happened, in your words]"


def _ends_a_clause(text: str, end: int) -> bool:
    """Whether `end` closes a clause by punctuation or the sentence's end; a conjunction ("...the disruption [while
    our team works]") carries on what the apology is for, so "I'm sorry [...] while our team works" would dangle."""
    m = _CLAUSE_END.match(text, end)
    return m is not None and not m.group(0).strip()[:1].isalpha()


def _inline_apology(text: str, finding: Finding, lexicon: Lexicon) -> tuple[_Edit | None, str | None]:
    """A stock apology inside a sentence ("We are sorry for any inconvenience this may cause.") keeps its own
    words up to "sorry" and says what for: "We are sorry for [what happened, in your words]."."""
    sentence = sentence_at(text, finding.start)
    word = lexicon.apology_word.search(finding.quote)
    if word is not None:
        start = finding.start + word.end()
        new = " " + WHAT_HAPPENED if word.group(0).lower() == "regret" else " for " + WHAT_HAPPENED
    elif text[sentence.start : finding.start].rstrip().lower().endswith("for"):
        start, new = finding.start, WHAT_HAPPENED
    else:
        return None, "it sits inside a sentence: say in your own words what you are sorry for"
    tail = _CLAUSE_END.search(text, finding.end, sentence.end)
    end = tail.start() if tail else finding.end
    if tail is not None and not _ends_a_clause(text, tail.start()):
        # "...any inconvenience this may cause you [and your family]", "...the disruption [while our team works]":
        # what follows belongs to what the apology is for, and would be stranded after the blank.
        return None, "the apology runs on into the rest of its sentence: say in your own words what you are sorry for"
    facts = _facts_in(text, start, end)
    if facts:
        return None, f"its clause holds a fact ({facts[0]}): say in your own words what you are sorry for"
    return _Edit(start, end, new, finding), None


_BOUNDARY = re.compile(r"(?:^|[.!?][\"')\]]*\s+|\n\s*)$")


def _splice(text: str, start: int, end: int, new: str) -> str:
    """Replace text[start:end]; after a deletion, mend spacing, stray commas and the capital of a sentence start."""
    before, after = text[:start], text[end:]
    # Only the end of `before` can hold a sentence boundary; `pos` keeps "^" for the real start of the text and
    # spares a scan of the whole prefix per edit (quadratic on a long draft).
    at_boundary = _BOUNDARY.search(before, max(0, len(before) - 200)) is not None
    if new:
        if text[start:end][:1].isupper() and new[:1].islower() and at_boundary:
            new = new[:1].upper() + new[1:]  # "Over the coming weeks, we..." -> "By [date], we..."
        return before + new + after
    if at_boundary:
        after = after.lstrip(" ,;:")
        if not after[:1].isspace() and before and not before[-1].isspace() and after[:1] not in {"", ".", "!"}:
            before += " "
        return before + after[:1].upper() + after[1:]
    if before.endswith(" ") and (after[:1] in {" ", ",", ".", ";", ":", "!", "?"}):
        before = before.rstrip(" ")
    return before + after


def _tidy(text: str) -> str:
    text = re.sub(r"(?<![ \t])[ \t]+([,.;:!?])", r"\1", text)  # from the start of a run only: linear
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r",(\s*)\.", r".", text)
    # Two timings for one thing read as a template: "by [date], hopefully by [date]" -> "by [date]".
    text = re.sub(r"(by \[date\])(?:,?\s*(?:and |or |hopefully |ideally |maybe |possibly )?by \[date\])+", r"\1", text)
    text = re.sub(r"(by \[date\]),?\s*(?:hopefully\b|\((?:we hope|hopefully)\))", r"\1", text)
    text = re.sub(r"\bhopefully,?\s*(by \[date\])", r"\1", text)
    text = re.sub(r"(?<=[.!?])[ \t]+(?=[.!?])", "", text)
    text = re.sub(r"(?<![.])([.!?])\.(?![.])", r"\1", text)  # "fixed.." but never an ellipsis "..."
    # A sentence whose every phrase went leaves only its punctuation: it goes too.
    text = re.sub(r"(?m)^[ \t]*[.,;:!?]+[ \t]*(?:\n|$)", "", text)
    text = re.sub(r"(?<=[.!?])[ \t]+[.,;:!?]+(?=\s|$)", "", text)
    text = re.sub(r"\n[ \t]+\n", "\n\n", text)
    text = re.sub(r"(?<=[.!?])[ \t]+(?=\n|$)", "", text)  # a cut last sentence leaves no space behind
    text = re.sub(r"\n{3,}", "\n\n", text)
    return re.sub(r"(?<=\S)[ \t]{2,}", " ", text)


def _inside(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) lies within one of the sorted, disjoint spans."""
    i = bisect.bisect_right(taken, (start, float("inf"))) - 1
    return i >= 0 and taken[i][0] <= start and end <= taken[i][1]


def _flagged_words(text: str, findings: Sequence[Finding]) -> dict[int, int]:
    """Sentence start -> how many of its words the problem findings cover together ("It's only a slight delay and
    nothing to worry about." is flagged twice, and is the problem phrase as a whole)."""
    spans: dict[int, list[tuple[int, int]]] = {}
    for f in findings:
        if f.severity != "positive" and f.family in _WHOLE_SENTENCE_FAMILIES:
            spans.setdefault(sentence_at(text, f.start).start, []).append((f.start, f.end))
    out: dict[int, int] = {}
    for sentence_start, pieces in spans.items():
        merged: list[tuple[int, int]] = []
        for start, end in sorted(pieces):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        out[sentence_start] = sum(len(text[start:end].split()) for start, end in merged)
    return out


def _planned(text: str, findings: Sequence[Finding], lexicon: Lexicon) -> tuple[list[_Edit], list[UnappliedFix]]:
    """The edits to make (wider ones first, no overlaps) and the fixes left to the writer."""
    edits: list[_Edit] = []
    unapplied: list[UnappliedFix] = []
    proposed: list[_Edit] = []
    flagged = _flagged_words(text, findings)
    for finding in findings:
        edit, reason = plan_edit(text, finding, lexicon, flagged.get(sentence_at(text, finding.start).start))
        if edit is not None:
            proposed.append(edit)
        elif reason is not None:
            unapplied.append(UnappliedFix(rule=finding.rule, quote=finding.quote, reason=reason))
    taken: list[tuple[int, int]] = []  # accepted spans, sorted and disjoint: each overlap check is a bisect
    for edit in sorted(proposed, key=lambda e: (-(e.end - e.start), e.start)):
        i = bisect.bisect_left(taken, (edit.start, edit.end))
        if (i == 0 or taken[i - 1][1] <= edit.start) and (i == len(taken) or taken[i][0] >= edit.end):
            taken.insert(i, (edit.start, edit.end))
            edits.append(edit)
        elif not _inside(taken, edit.finding.start, edit.finding.end):
            unapplied.append(_left_to_writer(edit.finding, "it overlaps another fix"))
    edits, unapplied = _one_placeholder_per_sentence(text, edits, unapplied)
    return _one_new_apology(text, edits, unapplied)


def _left_to_writer(finding: Finding, reason: str) -> UnappliedFix:
    return UnappliedFix(rule=finding.rule, quote=finding.quote, reason=reason)


def _one_new_apology(
    text: str, edits: list[_Edit], unapplied: list[UnappliedFix]
) -> tuple[list[_Edit], list[UnappliedFix]]:
    """Each stock apology turned into "I'm sorry [...]" adds an apology: the first one is enough. A later stock
    apology that is a sentence of its own goes; one inside a sentence is left to the writer."""
    kept: list[_Edit] = []
    rewritten = False
    for edit in sorted(edits, key=lambda e: e.start):
        if edit.finding.family == "formulaic_apology" and edit.new:
            if rewritten:
                sentence = sentence_at(text, edit.start)
                if text[sentence.start : sentence.end].rstrip(".!? ") == text[edit.start : edit.end].rstrip(".!? "):
                    kept.append(_Edit(sentence.start, sentence.end, "", edit.finding))
                else:
                    unapplied.append(
                        _left_to_writer(
                            edit.finding, "the rewrite already apologises once: cut or reword this one yourself"
                        )
                    )
                continue
            rewritten = True
        kept.append(edit)
    return kept, unapplied


def _one_placeholder_per_sentence(
    text: str, edits: list[_Edit], unapplied: list[UnappliedFix]
) -> tuple[list[_Edit], list[UnappliedFix]]:
    """Two vague times in one sentence both becoming "by [date]" read as a form to fill in twice: the last one
    (usually the commitment the sentence ends on) asks for the date. An earlier one right beside it, with only a
    comma or a space between ("in due course, once things settle"), goes into the same blank, since leaving it would
    stack two timings ("in due course, by [date]"); other earlier ones are left to the writer."""
    kept: list[_Edit] = []
    asked: dict[int, int] = {}  # sentence start -> the index in `kept` of the edit that asks for its date
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        if edit.new and "[" in edit.new and edit.finding.family == "vague_timing":
            sentence = sentence_at(text, edit.start).start
            if sentence in asked:
                later = kept[asked[sentence]]
                if edit.end <= later.start and _BESIDE.fullmatch(text, edit.end, later.start):
                    kept[asked[sentence]] = _Edit(edit.start, later.end, later.new, later.finding)
                    continue
                unapplied.append(
                    _left_to_writer(edit.finding, "its sentence already asks for a date: reword this one yourself")
                )
                continue
            asked[sentence] = len(kept)
        kept.append(edit)
    return kept, unapplied


_BESIDE = re.compile(r"[ \t]*,?[ \t]*")
"""What may separate two vague times that become one blank: nothing but a comma and spaces."""


def _apply(text: str, edits: Sequence[_Edit]) -> str:
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = _splice(text, edit.start, edit.end, edit.new)
    return _tidy(text) if edits else text


def apply_edits(text: str, findings: list[Finding], lexicon: Lexicon) -> str:
    """Make every safe edit the findings ask for; an edit that would delete a fact or the news is skipped."""
    return _apply(text, _planned(text, findings, lexicon)[0])


def apply_finding(text: str, finding: Finding, lexicon: Lexicon) -> str | None:
    """The text with one finding's fix applied (what the TUI's fix key does), or None if not safe."""
    edit, _ = plan_edit(text, finding, lexicon)
    if edit is None:
        return None
    return _apply(text, [edit])


@dataclass(frozen=True)
class FixPreview:
    """What one finding's fix does to the text: `text[start:end]` becomes `new` (whole words), which in words is
    `removed` going and `inserted` taking its place. The one fix a phrase gets everywhere: the TUI's Ctrl+F, an
    editor's quick fix, the "→" of `candor check`."""

    fixed: str
    """The whole text after the fix."""
    removed: str
    inserted: str
    start: int = 0
    end: int = 0
    new: str = ""


def preview_fix(text: str, finding: Finding, lexicon: Lexicon) -> FixPreview | None:
    """The fix of one finding (exactly `apply_finding`), or None when there is no safe automatic fix.

    Announcing from this rather than from the finding's replacement means a fix is never promised and then refused
    (one that would delete a fact), never hides that a whole clause or sentence goes, and never leaves a fragment:
    deleting just the quote of "...is delayed [because your team failed to send the content] on time." would.
    """
    if finding.severity == "positive":
        return None
    fixed = apply_finding(text, finding, lexicon)
    if fixed is None or fixed == text:
        return None
    start, old_end, new_end = diff_window(text, fixed)
    # Never show a word cut in two. Outside the window the texts are equal, so widening both sides alike is safe.
    while start > 0 and _inside_word(text, fixed, start, start):
        start -= 1
    while old_end < len(text) and _inside_word(text, fixed, old_end, new_end):
        old_end += 1
        new_end += 1
    removed, inserted = text[start:old_end].strip(), fixed[start:new_end].strip()
    # A deletion that re-capitalises the next word ("Due to X, the" -> "The") is still a deletion.
    if inserted and removed.lower().endswith(inserted.lower()):
        removed, inserted = removed[: len(removed) - len(inserted)].rstrip(), ""
    return FixPreview(fixed, removed, inserted, start, old_end, fixed[start:new_end])


NO_AUTOMATIC_FIX = "no automatic fix: reword it"


def fix_label(finding: Finding, preview: FixPreview | None) -> str:
    """The fix in a few words for a report line: "delete", "delete “<wider clause>”", "'by [date]'", or that there
    is no automatic fix (for a finding that has a suggested replacement the safe fix cannot make)."""
    if preview is None:
        return NO_AUTOMATIC_FIX
    if not preview.inserted:
        same = preview.removed.strip(" ,.;:!?") == finding.quote.strip(" ,.;:!?")
        return "delete" if same else f"delete “{clip(preview.removed, 60)}”"
    if preview.removed.strip(" ,.;:!?") == finding.quote.strip(" ,.;:!?"):
        return repr(preview.inserted)
    return f"“{clip(preview.removed, 60)}” → “{clip(preview.inserted, 60)}”"


def _inside_word(text: str, fixed: str, index: int, fixed_index: int) -> bool:
    """Whether a cut at `index` (at `fixed_index` in the fixed text) falls inside a word of either text."""

    def word(s: str, i: int) -> bool:
        return 0 <= i < len(s) and (s[i].isalnum() or s[i] in "'’")

    return word(text, index - 1) and (word(text, index) or word(fixed, fixed_index))


def _opening_block(lines: list[str], apologised: bool) -> str:
    """The acknowledgement and apology as one sentence or two, with one "sorry" at most (none if the text has one)."""
    ack = [line for line in lines if not line.startswith("I'm sorry")]
    apology = [line for line in lines if line.startswith("I'm sorry")]
    if apologised and apology:
        # The draft says sorry already: what is still owed is the owning, not a second apology.
        ack += [re.sub(r"^I'm sorry:\s*", "What went wrong: ", line) for line in apology]
        apology = []
    if ack and (apology or apologised):
        ack = [re.sub(r",? and I'm sorry for (?:that|it)\.$", ".", line) for line in ack]
    if ack and apology and not apologised:
        first = ack[0].rstrip(".")
        return " ".join([f"{first}, and {apology[0]}", *ack[1:]])
    return " ".join(ack if apologised else ack + apology)


_LEADING_HEADERS = re.compile(r"(?:[ \t]*(?i:subject|re|fwd?|to|from|cc|date)[ \t]*:[^\n]*\n)+\s*")
"""Header lines pasted above the body ("Subject: Delay"): they stay first."""


def _insert_opening(text: str, lines: list[str], lexicon: Lexicon) -> str:
    if not lines:
        return text
    block = _opening_block(lines, apologised=lexicon.apology.search(text) is not None)
    if not block:
        return text
    headers = _LEADING_HEADERS.match(text)
    if headers and headers.end() < len(text):
        # "Subject: Delay\n\nHi Dana,...": the acknowledgement goes after the greeting, below the subject line.
        return text[: headers.end()] + _insert_opening(text[headers.end() :], lines, lexicon)
    greeting = lexicon.greeting.match(text) or _NAME_AS_GREETING.match(text)
    if greeting is None:
        below = _greeting_below_a_heading(text, lexicon)
        if below is not None:
            # "Fenwick & Daughters Ltd\n42 Harrowgate Lane\n\nDear Sirs,": the letterhead, a date or a title stays
            # on top, and the acknowledgement goes after the greeting under it.
            return text[:below] + _insert_opening(text[below:], lines, lexicon)
    # A greeting run into its sentence with no comma ("Hi there Karina Thanks for your review...") ends where a
    # word that only opens a sentence begins, so the acknowledgement still goes after it, not above it.
    run_on = None if greeting else lexicon.greeting_run_on.match(text)
    if greeting or run_on:
        cut = (greeting or run_on).end()  # type: ignore[union-attr]
        rest = text[cut:]
        line_rest = rest.split("\n", 1)[0]
        if line_rest.strip():
            # "Hi Dana, the site was down..." : the greeting gets its own line, the body starts a sentence.
            body = rest.lstrip(" \t")
            body = body[:1].upper() + body[1:]
            head = text[:cut].rstrip()
            if run_on or head[-1:] in "-–—.":
                head = head.rstrip("-–—. \t") + ","  # "hi dana - sorry..." / "Hi Poul. Sorry..." -> "hi dana,"
            return head + "\n\n" + block + "\n\n" + body
        return text[:cut] + "\n\n" + block + "\n\n" + rest.lstrip("\n")
    return block + "\n\n" + text


_SENTENCE_END = re.compile(r"[.!?]\s")


_CONTACT_LINE = re.compile(
    r"(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?://|www\.)\S+|\+?[\d()][\d ()./-]{6,}\d"
    r"|(?:tel|phone|mobile|email|e-mail|web)\s*[:.]\s*\S.*)",
    re.IGNORECASE,
)
_SMALL_WORDS = frozenset({"of", "and", "the", "for", "at", "de", "la", "von", "van", "via", "team", "x"})


def _signature_line(line: str) -> bool:
    """A line a signature is made of: a name or a title in capitals ("Implementation Manager - Central Region"), a
    handle ("-brenmoor", "@Mireille"), a template's "{agent_name}" or "[Title]", an email, a phone, a web address, a
    date, a rule of underscores; never a sentence."""
    words = line.strip().strip("*_").strip()
    if not words:
        return bool(line.strip())  # "____" under "Respectfully submitted,"
    if len(words) > 60:
        return False
    if _CONTACT_LINE.fullmatch(words) or re.fullmatch(r"[-—–]\s?[\w.'’-]+", words):
        return True
    if words[-1] in ".!?:;" and not re.search(r"\b(?:Inc|Ltd|Co|Corp|Jr|Sr|[A-Z])\.$", words):
        return False
    tokens = words.replace(",", " ").split()
    if len(tokens) > 7:
        return False

    def fits(token: str) -> bool:
        if not any(ch.isalnum() for ch in token) or token[:1] in "@[{":  # "|", "//", "△"; "@handle", "[Title]"
            return True
        return token[:1].isupper() or token[:1].isdigit() or token.lower() in _SMALL_WORDS

    return all(fits(t) for t in tokens) and any(ch.isalpha() for ch in words)


def _signature_block_start(body: str) -> int | None:
    """Where a signature of one to six lines ends the message ("Dennis Karlsson / Implementation Manager /
    555-201-4478", "- Casey Lindqvist / Founder & CEO", "-brenmoor", "{agent_name}", "*Your Trailwise team*"), or
    None. Its lines are all signature lines, it follows a blank line or a finished sentence, and a short line ending
    in a comma just above it ("Respectfully submitted,") is its sign-off."""
    lines = body.split("\n")
    last = lines[-1].strip()
    if len(lines) > 1 and last.endswith(",") and len(last) <= 30 and not _SENTENCE_END.search(last):
        return len(body) - len(lines[-1])  # "love always," with no name under it: still the sign-off
    start = len(lines)
    while start > 1 and len(lines) - start < 6 and _signature_line(lines[start - 1]):
        start -= 1
    if start == len(lines) or start == 0:
        return None
    if sum(1 for line in lines[start:] if re.match(r"[ \t]*[-*•][ \t]", line)) > 1:
        return None  # "- Design Review\n- QA Sign-off": a list, not a signature
    if all(_CONTACT_LINE.fullmatch(line.strip()) or not line.strip() for line in lines[start:]):
        return None  # "use the link below:\n\nhttps://...": a link the body points to, not whose it is
    above = lines[start - 1].strip()
    if above and not re.search(r"[.!?:)]$", above) and not (above.endswith(",") and len(above) <= 40):
        return None
    if above.endswith(",") and len(above) <= 40 and not _SENTENCE_END.search(above):
        start -= 1
    elif not above and start >= 2:
        over = lines[start - 2].strip()
        if over.endswith(",") and len(over) <= 40 and not _SENTENCE_END.search(over):
            start -= 2  # "love always,\n\nDave"
    return sum(len(line) + 1 for line in lines[:start])


def _sign_off_start(text: str, lexicon: Lexicon) -> int | None:
    """Where the sign-off begins ("Best,\\nSam", or a bare name on the last line), or None."""
    sign_offs = [m for m in lexicon.sign_off.finditer(text) if m.start() > len(text) * 0.5]
    if sign_offs:
        return sign_offs[-1].start()
    body = text.rstrip()
    last_line_start = body.rfind("\n") + 1
    signature = _signature_block_start(body)
    if signature is not None:
        return signature
    if last_line_start > 0 and _BARE_NAME.match(body[last_line_start:]):
        # "Support Team\nAcme Ltd": a signature of two or three lines is one block, not to be split.
        for _ in range(2):
            above_start = body.rfind("\n", 0, last_line_start - 1) + 1
            if above_start <= 0 or not _BARE_NAME.match(body[above_start : last_line_start - 1]):
                break
            last_line_start = above_start
        # "With warmest regards,\n\nThe Partnerships Team": a short line ending in a comma just above the
        # signature is the sign-off the list did not know.
        above = body[:last_line_start].rstrip()
        above_start = above.rfind("\n") + 1
        line = above[above_start:].strip()
        if above_start > 0 and line.endswith(",") and len(line) <= 40 and not _SENTENCE_END.search(line):
            return above_start
        return last_line_start
    # A sign-off ending the last line ("...from all of us Regards. [company]"): a message pasted as one paragraph.
    inline = lexicon.sign_off_inline.search(body, max(0, len(body) - 80))
    if inline is not None:
        return inline.start(1)
    name = _INLINE_NAME.search(body, max(0, len(body) - 60))
    if name is not None and not any(word.lower() in common_words() for word in name.group(1).split()):
        return name.start(1)
    return None


_INLINE_NAME = re.compile(
    r"(?<=[.!?])(?<![ \t][A-Z]\.)[ \t]+((?:[A-Z]\.|[A-Z][\w'’-]*)(?:[ \t]+[A-Z][\w'’-]*){0,2})[ \t]*$"
)
"""A bare name after the last sentence, on its line ("...we are fixing it. Sam"): the signature of a message
pasted as one paragraph (ordinary words, "...as planned. Enjoy", are not names)."""


CLOSING_LINE = "If you have any questions about this, reply to this message and I'll get back to you by [reply day]."
"""What the scaffold adds before the sign-off of a draft that neither says what happens next nor offers any way to
follow up: the reader is told how to answer and when they will hear back (the writer fills in the day)."""
NOTICE_CLOSING_LINE = (
    "If you have any questions about this, contact us at [how to reach us] and we'll get back to you by [reply day]."
)
"""The same for a draft that greets no one (a notice, a letter to all customers, a status post): "reply to this
message" would not fit where the reader cannot reply."""
_FOLLOW_UP_FAMILIES = frozenset({"update", "next_step", "invite", "options", "owner"})
"""Finding families that already tell the client what happens next or how to reach the writer."""
_OFFERS_CONTACT = re.compile(
    r"\b(?:let\s+(?:me|us)\s+know|get\s+in\s+touch|contact\s+(?:me|us|our)|reach\s+(?:me|us|out)"
    r"|(?:just\s+|hit\s+)?reply(?:\s+to\s+(?:this|me|us|the))?|(?:any|further|more|other)\s+questions|questions\?"
    r"|feel\s+free|(?:don't|do\s+not)\s+hesitate|(?:call|email|write\s+to|ring)\s+(?:me|us)|next\s+update"
    r"|happy\s+to\s+help|let\s+you\s+know|keep\s+you\s+(?:posted|updated|informed)|update\s+you|follow(?:ing)?\s+up"
    r"|check\s+in|report\s+back|(?:get|come)\s+back\s+to\s+you|revert|be\s+in\s+touch|circle\s+back|catch\s+up"
    r"|write\s+again|call\s+you|enquiries|inquiries)\b"
    r"|[\w.+-]+@[\w-]+\.\w|\{\{[^{}\n]*(?:email|phone)[^{}\n]*\}\}",
    re.IGNORECASE,
)
"""Words that already offer the reader a way to follow up ("Questions? Just hit reply.", "let me know"), or promise
that the writer will ("I'll let you know when...", "we'll circle back"); an email address to write to is one too."""


def closing_lines(draft: str, findings: Sequence[Finding], steps: Sequence[str], lexicon: Lexicon) -> list[str]:
    """The closing line, when the draft needs one: no next-steps block is being added, and nothing in the draft
    already says what happens next or how to follow up (a second offer would read as a template)."""
    if steps or any(f.family in _FOLLOW_UP_FAMILIES for f in findings) or _OFFERS_CONTACT.search(draft):
        return []
    greets = lexicon.greeting.match(draft) or _NAME_AS_GREETING.match(draft)
    return [CLOSING_LINE if greets else NOTICE_CLOSING_LINE]


def _greeting_below_a_heading(text: str, lexicon: Lexicon) -> int | None:
    """Where a greeting starts when short lines come before it (a letterhead, an address, a date, a title: at most
    six lines of at most eight words, none a sentence of the body), or None."""
    offset = 0
    for number, line in enumerate(text.split("\n")[:7]):
        if number and line.strip() and (lexicon.greeting.match(line) or _NAME_AS_GREETING.match(line + "\n")):
            return offset
        if len(line.split()) > 8:
            return None
        offset += len(line) + 1
    return None


_NAME_AS_GREETING = re.compile(
    r"[ \t]*(?:(?:Mr|Mrs|Ms|Mx|Dr|Prof)\.?[ \t]+)?[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’.-]*){0,3}[ \t]*,[ \t]*(?=\n)"
)
"""A first line that is only a name and a comma ("Mr. Harris,", "Dana,", "Team,"): a greeting without a greeting
word, so the acknowledgement goes below it and the closing line answers a person."""


NEXT_STEPS_HEADING = "Next steps:"
"""The heading of the block of missing elements the scaffold adds before the sign-off."""


_NEXT_STEPS_BLOCK = re.compile(rf"(?m)^[ \t]*{re.escape(NEXT_STEPS_HEADING)}[ \t]*\n(?:[ \t]*[-*•][^\n]*(?:\n|\Z))+")
"""A "Next steps:" heading and the list under it: a draft that has one (an accepted scaffold) gets its new steps
there, not in a second block."""


def _insert_next_steps(text: str, lines: list[str], lexicon: Lexicon, closing: Sequence[str] = ()) -> str:
    if not lines and not closing:
        return text
    existing = _NEXT_STEPS_BLOCK.search(text) if lines else None
    if existing is not None:
        end = existing.end() - (1 if existing.group(0).endswith("\n") else 0)
        text = text[:end] + "".join(f"\n- {line}" for line in lines) + text[end:]
        lines = []
        if not closing:
            return text
    blocks = [NEXT_STEPS_HEADING + "\n" + "\n".join(f"- {line}" for line in lines)] if lines else []
    block = "\n\n".join([*blocks, *closing])
    cut = _sign_off_start(text, lexicon)
    if cut is not None:
        return text[:cut].rstrip() + "\n\n" + block + "\n\n" + text[cut:]
    return text.rstrip() + "\n\n" + block + "\n"


Scores = Callable[[str], Review]
"""Reviews a text with the draft's engine (no rewrite of its own): the re-review of a rewrite."""
_PLACEHOLDER = re.compile(r"(?:\b(?:by|on|at|before|until|within|from|in)[ \t]+)?" + BLANK.pattern)
"""A placeholder, with the preposition that would make it a time ("by [day]"): a blank time is no time."""


def _bracketed(m: re.Match[str]) -> str:
    return m.group(0)[m.group(0).index("[") :]


def _replace_added(pattern: re.Pattern[str], text: str, draft: str, replace: Callable[[re.Match[str]], str]) -> str:
    """Each blank of `text` (a `pattern` match) replaced by `replace(match)`, but as many of each as the draft held
    itself are kept as written: a template's own "[new date]" is the writer's, not the scaffold's."""
    own = Counter(_bracketed(m) for m in pattern.finditer(draft))

    def one(m: re.Match[str]) -> str:
        if own[_bracketed(m)]:
            own[_bracketed(m)] -= 1
            return m.group(0)
        return replace(m)

    return pattern.sub(one, text)


def unfilled(text: str, draft: str = "") -> str:
    """The rewrite as it reads before the writer fills anything in: every `[placeholder]` it added becomes a blank,
    so a re-review credits no date, next update or acknowledgement that is not written yet. The draft's own
    placeholders (a template's "[new date]") stay, and are judged as they were in the draft."""
    # A private-use character the text does not hold marks the blanks the scaffold left, while lines are dropped.
    ours = next(chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text)
    blanked = _replace_added(_PLACEHOLDER, text, draft, lambda _: ours)
    # "- Next update: ___, then ___ until this is resolved" promises nothing yet: neither its label nor the bare line
    # may count, nor a "Next steps:" heading left with nothing under it (a frame of blanks would otherwise earn credit
    # for length and structure). Only the lines the scaffold left blank go; the draft's own stay as they were.
    blanked = re.sub(rf"(?m)^[ \t]*[-*•][^\n]*{ours}[^\n]*(?:\n|\Z)", "", blanked)
    extra_headings = blanked.count(NEXT_STEPS_HEADING) - draft.count(NEXT_STEPS_HEADING)
    if extra_headings > 0:
        heading = re.escape(NEXT_STEPS_HEADING)
        bare = rf"(?m)^{heading}[ \t]*(?:\n(?:[ \t]*\n)?(?![ \t]*[-*•])|\Z)"
        blanked = re.sub(bare, "", blanked, count=extra_headings)
    return blanked.replace(ours, "___").rstrip() + ("\n" if text.endswith("\n") else "")


SAMPLE_VALUES = (
    ("day and time", "Friday at 10:00"),
    ("day", "Friday"),
    ("reply day", "Friday"),
    ("how to reach us", "help@example.com"),
    ("date", "14 March"),
    ("cadence", "every Friday"),
    ("name", "Priya Shah"),
    ("what we will do", "send you the corrected version"),
    ("what went wrong", "we missed the date we promised you"),
    ("what this changes for you", "this holds up your own plans"),
    ("what the client complained about", "the delay"),
    ("what happened", "the outage"),
)
"""What a blank the scaffold left is filled with to project what filling it in is worth (`with_sample_values`),
by how the blank begins; any other blank reads "the details". Plain and factual, so the projection credits the
structure a writer completes, not eloquence the writer would have to supply."""


def with_sample_values(text: str, draft: str = "") -> str:
    """The rewrite as if its writer had filled in every blank it added, each with a plain sample value: a
    projection, shown beside (never instead of) the scores of the rewrite as it stands. The draft's own blanks stay,
    as `unfilled` keeps them."""

    def sample(m: re.Match[str]) -> str:
        inside = m.group(0)[1:-1].lower()
        return next((value for start, value in SAMPLE_VALUES if inside.startswith(start)), "the details")

    return _replace_added(BLANK, text, draft, sample)


def _compose(
    draft: str,
    edits: Sequence[_Edit],
    opening: list[str],
    steps: list[str],
    lexicon: Lexicon,
    closing: Sequence[str] = (),
) -> str:
    return _insert_next_steps(_insert_opening(_apply(draft, edits), opening, lexicon), steps, lexicon, closing)


@dataclass(frozen=True)
class _Pieces:
    """What a scaffold is made of: the edits, the opening lines, the next-steps lines and the closing line."""

    edits: Sequence[_Edit]
    opening: Sequence[str]
    steps: Sequence[str]
    closing: Sequence[str] = ()

    @property
    def empty(self) -> bool:
        return not (self.edits or self.opening or self.steps or self.closing)

    def compose(self, draft: str, lexicon: Lexicon) -> str:
        return _compose(draft, self.edits, list(self.opening), list(self.steps), lexicon, self.closing)

    def without_one(self) -> list[tuple[str, _Pieces]]:
        """Each way to leave one piece out, labelled for `rewrite.dropped_edits`."""
        out = [
            (
                f"“{edit.finding.quote}” ({edit.finding.rule})",
                replace(self, edits=[e for j, e in enumerate(self.edits) if j != i]),
            )
            for i, edit in enumerate(self.edits)
        ]
        if self.opening:
            out.append(("the opening acknowledgement", replace(self, opening=[])))
        if self.steps:
            out.append(("the next-steps block", replace(self, steps=[])))
        if self.closing:
            out.append(("the closing line", replace(self, closing=[])))
        return out


def scores_lowered(before: Mapping[str, float], after: Review) -> list[str]:
    """The dimensions (and "overall", when `before` has it) that `after` scores below `before`."""
    drops = [d.id for d in after.dimensions if d.id in before and d.score < before[d.id]]
    if "overall" in before and after.overall < before["overall"]:
        drops.append("overall")
    return drops


def draft_scores_of(dimensions: Sequence[DimensionScore], overall: float | None) -> dict[str, float]:
    """What a rewrite must not score below: each dimension, and the overall score when there is one."""
    before: dict[str, float] = {d.id: d.score for d in dimensions}
    if overall is not None:
        before["overall"] = overall
    return before


def no_rewrite_reason(
    message: Message, lexicon: Lexicon, findings: list[Finding], missing: list[Missing], *, close: bool = False
) -> str:
    """Why `scaffold_rewrite` offered nothing, in one sentence for the review's notes (a draft below `send` with no
    rewrite must say why, or the writer is left guessing). `close` as given to `scaffold_rewrite`."""
    edits, unapplied = _planned(message.text, findings, lexicon)
    left_blank = [m for m in missing if m.placeholder and _already_left_blank(m.placeholder, message.text)]
    missing = [m for m in missing if m not in left_blank]
    steps = [m.placeholder for m in missing if m.placeholder and m.placement == "next_steps"]
    closing = closing_lines(message.text, findings, steps, lexicon) if close else []
    if len(edits) > RESCORE_BUDGET:
        return (
            f"No rewrite is suggested: the draft has {len(edits)} fixes, more than a patched draft can carry "
            f"(over {RESCORE_BUDGET}); start again from the suggestions."
        )
    if not edits and not closing and not any(m.placeholder for m in missing):
        if unapplied:
            # Each fix the review lists is made or said why not, with or without a rewrite to carry the reasons.
            reasons = "; ".join(f"“{u.quote}”: {u.reason}" for u in unapplied)
            return f"No rewrite is suggested: no flagged phrase can be fixed without rewording it ({reasons})."
        if left_blank:
            return (
                "No rewrite is suggested: the blanks already in the draft ask for what is missing "
                f"({', '.join(m.id.replace('_', ' ') for m in left_blank)}); fill them in and it is reviewed again."
            )
        return (
            "No rewrite is suggested: no phrase or missing element has a fix; the score reflects the message as a "
            "whole, so the suggestions and the dimension rationales say what to change."
        )
    return "No rewrite is suggested: each fix the review lists would have lowered a score."


def _asks_for_the_new_date(draft: str, edits: Sequence[_Edit], lexicon: Lexicon) -> bool:
    """Whether a vague time the rewrite turns into "by [date]" sits in a sentence that, filled in, gives the new date
    (forward-looking, as the new_date check reads it, and not about the next update, the rubric's
    `about_hearing_from_us` list): "It will be ready by [date]." Then a "New date: [date]" step would ask for the
    same date twice."""
    for edit in edits:
        if edit.finding.family == "vague_timing" and "[date" in edit.new:
            sentence = sentence_at(draft, edit.start)
            words = draft[sentence.start : sentence.end]
            forward = lexicon.date_forward.search(words) or not lexicon.date_backward.search(words)
            if forward and not lexicon.about_hearing_from_us.search(words):
                return True
    return False


def _already_left_blank(placeholder: str, draft: str) -> bool:
    """Whether the draft already holds this placeholder, whole or by one of its own blanks ("[day and time]"), as
    an accepted scaffold does until the writer fills it in; blanks a template also uses ("[date]") do not count."""
    if placeholder in draft:
        return True
    own = [b for b in BLANK.findall(placeholder) if b not in TEMPLATE_BLANKS]
    return any(b in draft for b in own)


RESCORE_BUDGET = 60
"""At most this many re-reviews go into choosing which edits to leave out, so the cost stays bounded."""


def scaffold_rewrite(
    message: Message,
    lexicon: Lexicon,
    findings: list[Finding],
    missing: list[Missing],
    *,
    draft_scores: Sequence[DimensionScore] = (),
    draft_overall: float | None = None,
    scores: Scores | None = None,
    close: bool = False,
) -> Rewrite | None:
    """A better draft to start from, or None when there is nothing to change.

    With `scores` (the draft's engine), the rewrite is reviewed too, and an edit or block whose removal stops a
    dimension (or the overall score, given `draft_overall`) from scoring below the draft is dropped, so the rewrite
    never scores lower than the draft. With `close` (a draft below `send`), a draft that never says how the reader
    can follow up gets the closing line (`CLOSING_LINE`, or `NOTICE_CLOSING_LINE` when it greets no one).
    """
    draft = message.text
    edits, unapplied = _planned(draft, findings, lexicon)
    # A blank the draft already holds (a scaffold accepted and not yet filled in) is not asked for a second time.
    missing = [m for m in missing if not (m.placeholder and _already_left_blank(m.placeholder, draft))]
    opening = [m.placeholder for m in missing if m.placeholder and m.placement == "opening"]
    asks_for_date = _asks_for_the_new_date(draft, edits, lexicon)
    steps = [
        m.placeholder
        for m in missing
        if m.placeholder and m.placement == "next_steps" and not (m.id == "new_date" and asks_for_date)
    ]
    pieces = _Pieces(edits, opening, steps, closing_lines(draft, findings, steps, lexicon) if close else [])
    text = pieces.compose(draft, lexicon)
    if text == draft:
        return None
    rescored: Review | None = None
    dropped: list[str] = []
    if scores is not None:
        if len(edits) > RESCORE_BUDGET:
            return None  # hundreds of fixes: not a draft to patch but to rewrite; and reviewing it twice costs
        before = draft_scores_of(draft_scores, draft_overall)
        rescored = scores(unfilled(text, draft))
        budget = RESCORE_BUDGET
        while scores_lowered(before, rescored) and not pieces.empty:
            budget -= len(pieces.edits) + 3
            if budget < 0:
                # A draft with very many fixes: searching which to leave out would cost a review per fix per
                # round. Offer no rewrite rather than one that scores lower (or a review that takes minutes).
                return None
            # Drop the one piece whose removal leaves the fewest (and smallest) drops below the draft.
            best: tuple[tuple[int, float], str, _Pieces, Review] | None = None
            for label, candidate_pieces in pieces.without_one():
                candidate = scores(unfilled(candidate_pieces.compose(draft, lexicon), draft))
                drops = scores_lowered(before, candidate)
                deficit = sum(before[d.id] - d.score for d in candidate.dimensions if d.id in drops)
                if "overall" in drops:
                    deficit += before["overall"] - candidate.overall
                key = (len(drops), deficit)
                if best is None or key < best[0]:
                    best = (key, label, candidate_pieces, candidate)
            assert best is not None
            lowered_now = ", ".join(scores_lowered(before, rescored))
            _, label, pieces, rescored = best
            dropped.append(f"{label}: left out, it would have lowered {lowered_now}")
            text = pieces.compose(draft, lexicon)
            unapplied += [
                UnappliedFix(rule=f.rule, quote=f.quote, reason="making it would lower a score")
                for f in findings
                if label.startswith(f"“{f.quote}”")
            ]
        if text == draft or scores_lowered(before, rescored):
            return None
    edits, opening, steps = list(pieces.edits), list(pieces.opening), list(pieces.steps)
    # Edits never delete a fact, so the only facts that can differ are in what was put in: check just that
    # (a test compares every scaffold of the labelled drafts with its draft in full).
    added = extract_facts(strip_placeholders("\n".join([*(e.new for e in edits), *opening, *steps, *pieces.closing])))
    changed = tuple(ChangedFact(kind=f.kind, change="added", value=f.value) for f in added)
    filled = None
    if rescored is not None and scores is not None and unfilled(text, draft) != text:
        filled = scores(with_sample_values(text, draft))
    return Rewrite(
        text=text,
        source="scaffold",
        changed_facts=changed,
        unapplied=tuple(unapplied),
        dimensions=rescored.dimensions if rescored else None,
        overall=rescored.overall if rescored else None,
        verdict=rescored.verdict if rescored else None,
        dropped_edits=tuple(dropped),
        filled_overall=filled.overall if filled else None,
        filled_verdict=filled.verdict if filled else None,
    )
