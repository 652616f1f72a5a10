"""The rules engine: deterministic, offline and instant; every score is explained by findings in the text.

Cues and checks come from the rubric files. A cue is a set of regular expressions whose matches become findings and
move the dimension's score by the cue's weight; a check is a structural test (is there a new date? an owner? is most
of the message about causes?) that reports a missing element or a finding. What a message owes the client depends
on its news: a routine update owes no apology, a delay owes a new date (`reviewer.text.profile`).
"""

from __future__ import annotations

import hashlib
import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import get_args

from reviewer.models import (
    SEVERITY_ORDER,
    DimensionScore,
    Evidence,
    Finding,
    Message,
    Missing,
    Review,
    Usage,
    trusted,
)
from reviewer.patterns import (
    CuePattern,
    built_program,
    compile_built,
    compile_regex,
    cue_pattern,
    expand,
    lower_pattern,
    program,
    save_programs,
)
from reviewer.rubric import Applies, Cue, Dimension, FoundCheck, Lexicon, NewDateCheck, OverExplainingCheck, Rubric
from reviewer.scorer import explain_score, review_features
from reviewer.scoring import Gate, judged_review
from reviewer.suppress import Suppressions
from reviewer.suppress import apply as apply_suppressions
from reviewer.text import (
    MONTH_NAMES,
    AnalysedText,
    Profile,
    analysed,
    common_words,
    date_spans,
    lowered,
    profile,
    words,
)


@dataclass(frozen=True)
class _Branch:
    """The cue a pattern belongs to, and where."""

    cue: Cue
    dimension: str
    unless: tuple[CuePattern, ...]

    @property
    def family(self) -> str:
        return self.cue.id.split("-", 1)[0]


@dataclass(frozen=True)
class _Pattern:
    """One cue pattern (compiled on first use), with the literals any match must contain (None: always scan)."""

    pattern: CuePattern
    branch: _Branch
    triggers: frozenset[str] | None


class _Compiled:
    """A rubric's cue patterns, grouped by family, plus an index from trigger literals to the patterns they gate.

    A message is matched against the thousand-odd trigger literals at once, in C: one regex, a trie of every
    literal, searched from each offset past the last hit's start, finds the next offset where a literal starts and
    the longest literal there. Every literal that starts at that offset is a prefix of that one (they all read the
    same text), so these searches give every occurrence of every literal, and so the sentences each literal is in.
    Patterns none of whose triggers occur are never touched, and the others scan only the sentences holding one.
    """

    def __init__(self, families: list[list[_Pattern]]) -> None:
        self.families = tuple(tuple(f) for f in families)
        self.patterns: tuple[_Pattern, ...] = tuple(p for f in self.families for p in f)
        """Every pattern in rubric order (family by family): a pattern's number is its place here."""
        self.family_of: tuple[int, ...] = tuple(fi for fi, f in enumerate(self.families) for _ in f)
        self.gated: dict[str, list[int]] = {}
        """trigger literal -> the number of every pattern it gates"""
        self.always: list[int] = []
        self.requires: dict[int, tuple[frozenset[str], ...]] = {}
        """pattern number -> the other literal sets it needs one of (`CuePattern.requires`), if any"""
        for number, pattern in enumerate(self.patterns):
            if pattern.triggers is None:
                self.always.append(number)
            for literal in sorted(pattern.triggers or ()):
                self.gated.setdefault(literal, []).append(number)
            if pattern.triggers is not None and pattern.pattern.requires:
                self.requires[number] = pattern.pattern.requires
        literals = set(self.gated) | {w for sets in self.requires.values() for words in sets for w in words}
        self.prefixes: dict[str, tuple[str, ...]] = {
            literal: tuple(literal[:i] for i in range(1, len(literal) + 1) if literal[:i] in literals)
            for literal in literals
        }
        """literal -> the literals it starts with (itself included): all that occur where it does"""
        self._finder: re.Pattern[str] | None = None

    @property
    def finder(self) -> re.Pattern[str]:
        """Compiled on first use (a `candor check` of a message with no trigger never needs the patterns). The trie
        alone, not inside a look-ahead: its first characters then let the engine skip the offsets where no literal
        starts, and each offset it tries costs less than a look-ahead and its capture would."""
        if self._finder is None:
            self._finder = compile_built(self.finder_name, lambda: _trie(self.prefixes) or "(?!)")
        return self._finder

    @property
    def finder_name(self) -> str:
        """What the finder's saved program is found by (`patterns.compile_built`): its literals and the code that
        writes their trie (this module's), so a change to either builds it again."""
        digest = hashlib.sha256(Path(__file__).read_bytes())
        digest.update("\0".join(sorted(self.prefixes)).encode("utf-8", "surrogatepass"))
        return f"trigger-literal trie {digest.hexdigest()}"

    def sentences_by_literal(self, spans: tuple[tuple[int, int], ...], low: str) -> dict[str, int]:
        """Each trigger literal in the lower-cased text -> the sentences (`_sentence_spans`) it is wholly inside, as
        bits (bit i: sentence i). One that runs on into the next sentence is in neither: no match inside one
        sentence's window can hold it, so it selects nothing."""
        prefixes, search = self.prefixes, self.finder.search
        found: dict[str, int] = {}
        for i, (start, end) in enumerate(spans):
            bit = 1 << i
            longest_here: set[str] = set()
            match = search(low, start, end)
            while match is not None:  # the next offset where a literal starts, with the longest literal there
                longest_here.add(match.group())
                match = search(low, match.start() + 1, end)
            for longest in longest_here:
                for literal in prefixes[longest]:
                    found[literal] = found.get(literal, 0) | bit
        return found

    def active(self, literal_sentences: dict[str, int]) -> list[list[tuple[_Pattern, int]]]:
        """Per family, in rubric order, the patterns to run with the sentences to scan (bits; -1: the whole text):
        those with a trigger present, in the sentences holding one (and one literal of each of its other required
        sets), and those without triggers, everywhere."""
        chosen: dict[int, int] = {}
        gated = self.gated
        for literal, sentences in literal_sentences.items():
            for number in gated.get(literal, ()):
                chosen[number] = chosen.get(number, 0) | sentences
        requires, present = self.requires, literal_sentences.keys()
        for number, sentences in chosen.items():
            for needed in requires.get(number, ()):
                holding = 0
                for literal in present & needed:  # the few of the set that occur, found in C
                    holding |= literal_sentences[literal]
                sentences &= holding
                if not sentences:
                    break
            chosen[number] = sentences
        chosen.update(dict.fromkeys(self.always, -1))
        out: list[list[tuple[_Pattern, int]]] = [[] for _ in self.families]
        patterns, family_of = self.patterns, self.family_of
        for number in sorted(chosen):
            if chosen[number]:
                out[family_of[number]].append((patterns[number], chosen[number]))
        return out


_Trie = dict[str, "_Trie"]


def _trie(literals: Iterable[str]) -> str:
    """A regex matching any of the literals, written as a trie so the engine follows one branch per character;
    where one literal continues another the longer is tried first, so a match is the longest literal there."""
    root: _Trie = {}
    for literal in literals:
        node = root
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}

    def branch(node: _Trie) -> str:
        options = []
        for char in sorted(c for c in node if c):
            child, run = node[char], re.escape(char)
            while len(child) == 1 and "" not in child:  # a chain of single letters: one literal run
                ((char, child),) = child.items()
                run += re.escape(char)
            options.append(run + branch(child))
        if not options:
            return ""
        body = options[0] if len(options) == 1 else f"(?:{'|'.join(options)})"
        return f"(?:{body})?" if "" in node else body

    return branch(root)


def _windows(sentences: int, spans: tuple[tuple[int, int], ...], length: int) -> list[tuple[int, int]]:
    """The spans of the sentences whose bits are set, in text order (-1: the whole text)."""
    if sentences < 0:
        return [(0, length)]
    if not sentences & (sentences - 1):  # one sentence, as most often
        return [spans[sentences.bit_length() - 1]]
    out = []
    while sentences:
        lowest = sentences & -sentences
        out.append(spans[lowest.bit_length() - 1])
        sentences ^= lowest
    return out


def _sentence_spans(analysis: AnalysedText) -> tuple[tuple[int, int], ...]:
    """Each sentence's window: from its start (the text's start for the first) to the next one's start."""
    found = analysis.sentences
    starts = [0] + [s.start for s in found[1:]] if found else [0]
    ends = starts[1:] + [len(analysis.text)]
    return tuple(zip(starts, ends, strict=True))


@dataclass(frozen=True)
class _Contribution:
    dimension: str
    weight: float
    label: str


@lru_cache(maxsize=8)
def _compiled(rubric: Rubric) -> _Compiled:
    """Every cue pattern, grouped by family (overlaps are resolved within a family)."""
    families: dict[str, list[_Pattern]] = {}
    for dim in rubric.evidence_dimensions:
        for cue in dim.cues:
            family = cue.id.split("-", 1)[0]
            branch = _Branch(cue, dim.id, tuple(cue_pattern(u) for u in cue.unless))
            families.setdefault(family, []).extend(
                _Pattern(cue_pattern(p), branch, cue_pattern(p).triggers) for p in cue.patterns
            )
    return _Compiled(list(families.values()))


def warm(rubric: Rubric) -> None:
    """Compile every regex a review of this rubric may use, now rather than on first use, and save their programs
    (`patterns.save_programs`) if the rubric has a cache folder: `candor batch` calls it before forking its
    workers, which then start with it all compiled instead of each compiling the same few hundred patterns, and
    the next run restores the programs instead of compiling them. A regex this process compiled earlier still gets
    its program made, so the saved file is whole."""
    compiled = _compiled(rubric)
    prepared = [p.pattern for p in compiled.patterns] + [u for p in compiled.patterns for u in p.branch.unless]
    causes = [_cause_source(c.patterns) for d in rubric.evidence_dimensions for c in d.checks
              if isinstance(c, OverExplainingCheck)]  # fmt: skip
    if rubric.programs is not None:
        built_program(compiled.finder_name, lambda: compiled.finder.pattern)
        for cue in prepared:
            program(cue.source, cue.flags, guard=cue.on_lowered)
        for source in causes:
            program(source, guard=True)
    for cue in prepared:
        _ = cue.regex
    for dim in rubric.evidence_dimensions:
        for check in dim.checks:
            if isinstance(check, OverExplainingCheck):
                _cause_markers(check.patterns)
    if rubric.programs is not None:
        save_programs(rubric.programs)


def _applies(applies: Applies, news: Profile) -> bool:
    if applies == "always":
        return True
    if applies == "problem":
        return news.problem != "none"
    if applies == "failure":
        return news.problem == "failure"
    if applies == "complaint":
        return news.complaint
    return news.problem != "none" and news.timing


def find_cues(text: str, rubric: Rubric, news: Profile) -> list[Finding]:
    """Every cue match in the text, without overlaps inside one family, in text order."""
    analysis = analysed(text)
    found: list[Finding] = []
    low = analysis.lowered
    compiled = _compiled(rubric)
    spans = _sentence_spans(analysis)
    unless_hit: dict[tuple[int, int], bool] = {}
    """(branch, sentence start) -> an `unless` pattern matches the sentence: searched once, not once per match."""
    dates_in: dict[int, list[tuple[int, int]]] = {}
    applies = {kind: _applies(kind, news) for kind in get_args(Applies)}
    """Whether each kind of cue applies to this news: the patterns of a cue that does not are never run (their
    matches would all be passed over, before they could cover anything)."""
    for family in compiled.active(compiled.sentences_by_literal(spans, low)):
        covered = -1
        """End of the furthest accepted span: matches come in start order, so one overlaps iff it starts before."""
        matches = [
            (match, pattern.branch)
            for pattern, sentences in family
            if applies[pattern.branch.cue.applies]
            for window_start, window_end in _windows(sentences, spans, len(low))
            for match in pattern.pattern.regex.finditer(
                low if pattern.pattern.on_lowered else text, window_start, window_end
            )
        ]
        if len(matches) > 1:
            matches.sort(key=lambda mb: (mb[0].start(), -mb[0].end()))
        for match, branch in matches:
            cue = branch.cue
            start, end = whole_span(text, *match.span(), analysis.dates)
            if end <= start or start < covered:
                continue
            if "name" in match.re.groupindex and not _holds_a_name(match.group("name")):
                continue
            sentence = analysis.sentence_at(start)
            if branch.unless:
                key = (id(branch), sentence.start)
                if key not in unless_hit:
                    unless_hit[key] = any(
                        u.regex.search(lowered(sentence.text) if u.on_lowered else sentence.text) for u in branch.unless
                    )
                if unless_hit[key]:
                    continue
            if cue.unless_date_in_sentence:
                if sentence.start not in dates_in:
                    dates_in[sentence.start] = date_spans(sentence.text)
                local_start, local_end = start - sentence.start, end - sentence.start
                if any(e <= local_start or s >= local_end for s, e in dates_in[sentence.start]):
                    continue
            covered = max(covered, end)
            replacement = cue.replacement
            if replacement and "\\g<keep>" in replacement:
                has_keep = "keep" in match.re.groupindex and match.group("keep") is not None
                replacement = text[match.start("keep") : match.end("keep")] if has_keep else None
            found.append(
                # Built from the rubric and the text's own offsets, so already valid: no validation per finding.
                trusted(
                    Finding,
                    rule=cue.id,
                    dimension=branch.dimension,
                    severity=cue.severity,
                    start=start,
                    end=end,
                    quote=text[start:end],
                    message=cue.message,
                    replacement=replacement,
                )
            )
    found.sort(key=lambda f: (f.start, -SEVERITY_ORDER[f.severity]))
    return found


def _holds_a_name(words: str | None) -> bool:
    """Whether a pattern's `name` group holds a name: no ordinary English word in it ("Prices will", "When will",
    "Fenwick Road will" are not someone owning the next step; "Priya will" is)."""
    return words is not None and not any(_ordinary(w.lower()) for w in words.split())


_MONTHS = frozenset(MONTH_NAMES)


def _ordinary(word: str) -> bool:
    """An ordinary word, its plural ("repairs"), or a month: not a name."""
    common = common_words()
    return word in common or (word.endswith("s") and word[:-1] in common) or word in _MONTHS


def _in_token(text: str, at: int) -> bool:
    """Whether offset `at` falls inside a word or a number ("12:0|0", "3.|5", "don|'t")."""
    if at <= 0 or at >= len(text):
        return False
    left, right = text[at - 1], text[at]
    if left.isalnum() and right.isalnum():
        return True
    joiners = ":.,'’-/"
    return (
        (left.isdigit() and right in joiners and at + 1 < len(text) and text[at + 1].isdigit())
        or (left in joiners and right.isdigit() and at >= 2 and text[at - 2].isdigit())
        or (left.isalpha() and right in "'’" and at + 1 < len(text) and text[at + 1].isalpha())
        or (left in "'’" and right.isalpha() and at >= 2 and text[at - 2].isalpha())
    )


def whole_span(text: str, start: int, end: int, dates: tuple[tuple[int, int], ...] = ()) -> tuple[int, int]:
    """A match widened so it never cuts a word, a number, a time or a date ("on 7" -> "on 7 March"), then
    trimmed of trailing spaces and punctuation."""
    for _ in range(3):
        before = start, end
        while _in_token(text, start):
            start -= 1
        while _in_token(text, end):
            end += 1
        # Dates are sorted and disjoint: only the few that start before `end` and reach past `start` can be cut.
        i = bisect_right(dates, (end, end))
        while i > 0 and dates[i - 1][1] > start:
            date_start, date_end = dates[i - 1]
            if date_start < end < date_end or date_start < start < date_end:
                start, end = min(start, date_start), max(end, date_end)
            i -= 1
        if (start, end) == before:
            break  # a pass that moved nothing: the passes left would move nothing either
    while end > start and text[end - 1] in " ,;:":
        end -= 1
    while start < end and text[start] == " ":
        start += 1
    return start, end


_SLOT_WORD = r"(?<![a-z])(?:date|day|deadline|eta)s?(?![a-z])"
"""A date word standing alone in a slot: "NEW_DATE" and "[new date]", not "LAST_UPDATED" or "[today's notes]"."""
_DATE_SLOT = re.compile(
    rf"\[[^\[\]\n]{{0,40}}{_SLOT_WORD}[^\[\]\n]{{0,40}}\]"
    rf"|\{{\{{[^{{}}\n]{{0,40}}{_SLOT_WORD}[^{{}}\n]{{0,40}}\}}\}}"
    rf"|<[^<>\n=\"]{{0,40}}{_SLOT_WORD}[^<>\n=\"]{{0,40}}>",
    re.IGNORECASE,
)
"""A template's slot for a date ("[new date]", "{{NEW_DATE}}", "<expected completion date>"): the template gives a
new date once it is filled in, so it is not told it has none. (The scaffold's own placeholders are stripped before
a rewrite is re-reviewed, so they are never credited this way.)"""


def _has_new_date(text: str, lexicon: Lexicon) -> bool:
    """A date, or a template's slot for one, in a forward-looking sentence, or in one that does not look back (the
    rubric's date lists)."""
    analysis = analysed(text)
    slots = [m.start() for m in _DATE_SLOT.finditer(text)] if "[" in text or "{" in text or "<" in text else []
    for date_start in [start for start, _ in analysis.dates] + slots:
        sentence = analysis.sentence_at(date_start).text
        if lexicon.date_forward.search(sentence) or not lexicon.date_backward.search(sentence):
            return True
    return False


@lru_cache(maxsize=16)
def _cause_markers(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """The over-explaining check's patterns as one, for lower-cased text, behind a look-ahead of its first
    characters (`patterns.guarded`)."""
    return compile_regex(_cause_source(patterns), guard=True)


def _cause_source(patterns: tuple[str, ...]) -> str:
    return "|".join(f"(?:{lower_pattern(expand(p))})" for p in patterns)


_PLAN = re.compile(
    r"\b(?:we|i)(?:'ll| will| shall| plan to| aim to| expect to| are going to| am going to)\b"
    r"|\b(?:thanks|thank you|(?:do not|don't) hesitate|get in touch|contact (?:us|me))\b"
)
_HEADING = re.compile(r"^\s*(?:subject|re|fwd?)\s*:|^[^.!?]*[^\s.!?\"')\]]\s*$")


def _tells_the_plan(low: str, start: int, end: int, sentence: str) -> bool:
    """A sentence that says what happens next ("we plan to restart the week of 23 January"), thanks the reader or
    invites them to get in touch, or a heading or a subject line, is not background, even when it names the weather
    or a price: it is the news, its remedy or the closing."""
    if _PLAN.search(low, start, end):
        return True
    return "\n" not in sentence.strip() and len(sentence.split()) <= 12 and _HEADING.search(sentence) is not None


def _over_explaining(text: str, check: OverExplainingCheck) -> list[Finding]:
    """Most of the message is cause or background: one finding per run of consecutive such sentences (the raters
    mark each background sentence, and a run is what the writer would cut), or none."""
    marker = _cause_markers(check.patterns)
    analysis = analysed(text)
    all_sentences, low = analysis.sentences, analysis.lowered
    marked = [
        i
        for i, s in enumerate(all_sentences)
        if marker.search(low, s.start, s.end) and not _tells_the_plan(low, s.start, s.end, s.text)
    ]
    total = max(words(text), 1)
    share = sum(words(all_sentences[i].text) for i in marked) / total
    if len(marked) < 3 or share < 0.4:
        return []
    runs: list[list[int]] = []
    for i in marked:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    findings = []
    for run in runs:
        start, end = all_sentences[run[0]].start, all_sentences[run[-1]].end
        findings.append(
            Finding(
                rule=f"{check.id}-cause_share",
                dimension="",
                severity=check.severity,
                start=start,
                end=end,
                quote=text[start:end],
                message=f"{check.message} ({len(marked)} of {len(all_sentences)} sentences, {share:.0%} of the words.)",
            )
        )
    return findings


def run_checks(
    text: str, rubric: Rubric, news: Profile, cue_findings: list[Finding]
) -> tuple[list[Finding], list[Missing], list[_Contribution]]:
    families = {f.family for f in cue_findings}
    findings: list[Finding] = []
    missing: list[Missing] = []
    contributions: list[_Contribution] = []
    for dim in rubric.evidence_dimensions:
        for check in dim.checks:
            if not _applies(check.applies, news):
                continue
            if isinstance(check, OverExplainingCheck):
                found = _over_explaining(text, check)
                findings.extend(f.model_copy(update={"dimension": dim.id}) for f in found)
                if found:
                    contributions.append(_Contribution(dim.id, check.weight, "over-explaining"))
                continue
            if isinstance(check, FoundCheck):
                if not families.isdisjoint(check.satisfied_by):
                    contributions.append(_Contribution(dim.id, check.weight, check.id.replace("_", " ")))
                continue
            if isinstance(check, NewDateCheck):
                present = _has_new_date(text, rubric.lexicon)
            else:
                present = bool(families & set(check.satisfied_by))
            label = check.id.replace("_", " ")
            if present:
                if check.credit:
                    contributions.append(_Contribution(dim.id, check.credit, label))
            else:
                missing.append(
                    # From the rubric's own validated check: no validation per review.
                    trusted(
                        Missing,
                        id=check.id,
                        dimension=dim.id,
                        severity=check.severity,
                        message=check.message,
                        placeholder=check.placeholder,
                        placement=check.placement,
                    )
                )
                contributions.append(_Contribution(dim.id, check.weight, f"no {label}"))
    return findings, missing, contributions


@lru_cache(maxsize=8)
def _cues_by_id(rubric: Rubric) -> dict[str, Cue]:
    """Every cue of the rubric by its id: built once per rubric, not once per review."""
    return {cue.id: cue for dim in rubric.evidence_dimensions for cue in dim.cues}


def _cue_contributions(rubric: Rubric, findings: list[Finding]) -> list[_Contribution]:
    """Each cue moves its dimension by its weight per match, up to `max_count` matches of that cue, and at most the
    two strongest matches of a family count (ten vague phrases are not five times worse than two)."""
    weights = _cues_by_id(rubric)
    counted: dict[str, int] = {}
    by_family: dict[tuple[str, str], list[float]] = {}
    for f in findings:
        cue = weights.get(f.rule)
        if cue is None or not cue.weight:
            continue
        counted[f.rule] = counted.get(f.rule, 0) + 1
        if counted[f.rule] <= cue.max_count:
            by_family.setdefault((f.dimension, f.family), []).append(cue.weight)
    out: list[_Contribution] = []
    for (dimension, family), values in by_family.items():
        strongest = sorted(values, key=abs, reverse=True)[:2]
        out.append(_Contribution(dimension, sum(strongest), family.replace("_", " ")))
    return out


def _round_half_up(value: float) -> int:
    return int(math.floor(value + 0.5))


def _rationale(score: int, parts: list[_Contribution], news: Profile) -> str:
    """What moved a score set by cue weights (a dimension the fitted scorer does not know)."""
    hurt = sorted((p for p in parts if p.weight < 0), key=lambda p: p.weight)
    helped = sorted((p for p in parts if p.weight > 0), key=lambda p: -p.weight)
    pieces = []
    if hurt:
        pieces.append("hurt by " + ", ".join(dict.fromkeys(p.label for p in hurt)))
    if helped:
        pieces.append("helped by " + ", ".join(dict.fromkeys(p.label for p in helped)))
    if not pieces:
        pieces.append("no cues either way" if news.problem != "none" else "nothing here to own or excuse")
    text = "; ".join(pieces)
    return f"{score}/5: {text[0].upper()}{text[1:]}."


def _fitted_rationale(score: int, held_down: str, lifted: str, scale: Mapping[str, str]) -> str:
    """What moved a fitted score, from the fitted weights themselves (the cue weights did not set it), so the
    rationale names what really weighed, phrase or not ("Held down by many negatives, short (24 words)"). A low
    score that no one thing holds down says what the level means, from the dimension's `[scale]`."""
    if not held_down and (score < AIM or not lifted):
        return f"{score}/5: No one thing holds it down; a {score} is: {scale[str(score)]}"
    pieces = [f"held down by {held_down}"] if held_down else []
    if lifted:
        pieces.append(f"lifted by {lifted}")
    text = "; ".join(pieces)
    return f"{score}/5: {text[0].upper()}{text[1:]}."


def score_dimension(dim: Dimension, news: Profile, parts: list[_Contribution]) -> int:
    base = dim.base if news.problem != "none" else dim.base_no_problem
    return max(1, min(5, _round_half_up(base + sum(p.weight for p in parts))))


@dataclass(frozen=True)
class Analysis:
    """Everything the rules find in one message, for every loaded dimension (disabled ones too): the evidence the
    scores are computed from, and the features the fitted scorer (and its fit) read."""

    news: Profile
    findings: list[Finding]
    missing: list[Missing]
    contributions: list[_Contribution]
    features: dict[str, float]
    notes: tuple[str, ...] = ()
    """What was ignored as the message asked (`reviewer.suppress`)."""


_ACCUSING = frozenset({"blame", "hostile_tone", "dismissive", "deflection"})


def _without_credit_inside_accusations(cues: list[Finding]) -> list[Finding]:
    """A strength found inside an accusation is not one: "your team" is the client's world, but in "your team also
    sent the content late" it is who is blamed, and the review must not list it under what works."""
    spans = sorted((f.start, f.end) for f in cues if f.family in _ACCUSING and f.severity != "positive")
    if not spans:
        return cues
    # Merged, so one bisection per strength says whether it overlaps any (linear in findings, not their product).
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    starts = [start for start, _ in merged]

    def inside_one(f: Finding) -> bool:
        i = bisect_left(starts, f.end) - 1
        return i >= 0 and merged[i][1] > f.start

    return [f for f in cues if f.severity != "positive" or not inside_one(f)]


_BULLET_LINE = re.compile(r"(?m)^[ \t]*[-*•][^\n]*")


def _with_scaffold_blanks_emptied(text: str, rubric: Rubric) -> str:
    """`text` read as the rewrite's re-review reads the scaffold's blanks (`reviewer.rewrite.unfilled`), at the same
    offsets: the inside of every blank the scaffold writes ("[what this changes for you: your launch...]") turns to
    spaces, since an instruction to the writer is not the writer's words ("your launch" there acknowledges nothing);
    a list line holding one ("- Next update: [day and time], then [cadence]") is read as not there, and so is a
    "Next steps:" heading with nothing filled in under it. Wherever the blank sits: the rewrite, the editor after
    accepting it, a saved file. The text itself when it holds none (the usual case: no copy)."""
    blanks, lines = rubric.scaffold_blanks, rubric.scaffold_lines
    if lines is None or "[" not in text or not lines.search(text):
        return text
    from reviewer.rewrite import NEXT_STEPS_HEADING

    def spaces(m: re.Match[str]) -> str:
        return " " * len(m.group(0))

    emptied = _BULLET_LINE.sub(lambda m: spaces(m) if lines.search(m.group(0)) else m.group(0), text)
    if blanks is not None:
        emptied = blanks.sub(lambda m: "[" + " " * (len(m.group(0)) - 2) + "]", emptied)
    heading = re.escape(NEXT_STEPS_HEADING)
    # A heading followed only by emptied lines (or nothing) before the next paragraph or the end.
    return re.sub(rf"(?m)^[ \t]*{heading}[ \t]*(?=(?:\n[ \t]*)*(?:\Z|\n[^-*•\s]))", spaces, emptied)


def _without_credit_touching_blanks(cues: list[Finding], written: str, rubric: Rubric) -> list[Finding]:
    """A strength whose match reaches into a scaffold's blank is not one yet ("Next update: [day and time], then
    [cadence]" promises no time until it is filled in), as the rewrite's own re-review reads it."""
    if rubric.scaffold_blanks is None:
        return cues
    spans = [(m.start(), m.end()) for m in rubric.scaffold_blanks.finditer(written)]
    return [f for f in cues if f.severity != "positive" or not any(f.start < j and i < f.end for i, j in spans)]


def analyse(message: Message, rubric: Rubric, *, scored_only: bool = False) -> Analysis:
    """With `scored_only`, the word features are only those the rubric's fitted scorer weighs (enough to score;
    the fit wants them all)."""
    written = message.text
    text = _with_scaffold_blanks_emptied(written, rubric)
    news = profile(text, rubric.lexicon.news, message.situation)
    cues = _without_credit_inside_accusations(find_cues(text, rubric, news))
    if text is not written:
        cues = _without_credit_touching_blanks(cues, written, rubric)
    suppressions = Suppressions(rules=message.ignore, phrases=message.allow)
    kept = list(apply_suppressions(suppressions, text, cues, ()).findings) if suppressions else cues
    check_findings, missing, check_parts = run_checks(text, rubric, news, kept)
    notes: tuple[str, ...] = ()
    if suppressions:
        # The same test again over everything, so a check finding or missing element can be ignored too, and one
        # set of notes says what was.
        final = apply_suppressions(suppressions, text, cues + check_findings, missing)
        kept, check_findings, missing, notes = list(final.findings), [], list(final.missing), final.notes
    evidence = sorted(kept + check_findings, key=lambda f: (f.start, -SEVERITY_ORDER[f.severity]))
    if text is not written:  # quotes as the writer wrote them
        evidence = [f.model_copy(update={"quote": written[f.start : f.end]}) for f in evidence]
    analysis = analysed(text)
    features = review_features(
        text=text,
        low=analysis.lowered,
        findings=evidence,
        missing=missing,
        problem=news.problem,
        timing=news.timing,
        complaint=news.complaint,
        dates=len(analysis.dates),
        lists=rubric.lexicon.features,
        vocabulary=rubric.scorer.words if scored_only and rubric.scorer is not None else None,
    )
    return Analysis(news, evidence, missing, _cue_contributions(rubric, evidence) + check_parts, features, notes)


class RulesEngine:
    """Deterministic review from the rubric's cues and checks."""

    name = "rules"

    def __init__(self, gate: Gate | None = None, *, rewrite: bool = True, explain: bool = True) -> None:
        self.gate = gate or Gate()
        self.rewrite = rewrite
        """Whether a review carries the scaffold rewrite. It never changes the draft's own judgement, and it costs
        one to several more reviews (the rewrite is re-reviewed), so `candor batch` leaves it out unless asked."""
        self.explain = explain
        """Whether a fitted dimension's rationale says what held it down and lifted it (`scorer.explain_score`, about
        a tenth of a review). `candor batch` writes scores, not rationales, so it leaves that out; every score,
        finding and verdict is the same either way (the rationale then says what the level means)."""

    def review(self, message: Message, rubric: Rubric) -> Review:
        """The draft's review, with a scaffold rewrite that this same engine has reviewed too."""
        draft = self.judge(message, rubric)
        if not self.rewrite:
            return draft
        # Imported here: a `candor batch` without `--rewrite` never needs the rewrite or its fact finder, and
        # their modules (and the regexes they compile as they load) would only lengthen its start-up.
        from reviewer.rewrite import no_rewrite_reason, scaffold_rewrite

        rewrite = scaffold_rewrite(
            message,
            rubric.lexicon,
            list(draft.findings),
            list(draft.missing),
            draft_scores=draft.dimensions,
            draft_overall=draft.overall,
            scores=lambda text: self.judge(message.model_copy(update={"text": text}), rubric),
            close=draft.verdict != "send",
        )
        if rewrite is None and draft.verdict != "send":
            reason = no_rewrite_reason(message, rubric.lexicon, list(draft.findings), list(draft.missing), close=True)
            return draft.model_copy(update={"notes": (*draft.notes, reason)})
        return draft.model_copy(update={"rewrite": rewrite})

    def judge(self, message: Message, rubric: Rubric) -> Review:
        """The review without a rewrite: what re-reviews a rewrite (this engine's own, or a model's)."""
        text = message.text
        found = analyse(message, rubric, scored_only=True)
        news, parts, fitted = found.news, found.contributions, rubric.scorer
        in_force = set(rubric.ids)
        findings = [f for f in found.findings if f.dimension in in_force]
        missing = [m for m in found.missing if m.dimension in in_force]
        predicted: dict[str, float] = {}
        if fitted is not None:
            predicted = fitted.predict_all(found.features)
        by_dimension: dict[str, list[Finding]] = {}
        for f in findings:
            by_dimension.setdefault(f.dimension, []).append(f)
        dimensions: list[DimensionScore] = []
        for dim in rubric.dimensions:
            own = [p for p in parts if p.dimension == dim.id]
            if fitted is not None and fitted.knows(dim.id):
                score = _round_half_up(predicted[dim.id])
                if self.explain:
                    rationale = _fitted_rationale(score, *explain_score(fitted, dim.id, found.features), dim.scale)
                else:
                    rationale = f"{score}/5: a {score} is: {dim.scale[str(score)]}"  # what the level means, no more
            else:
                score = score_dimension(dim, news, own)
                rationale = _rationale(score, own, news)
            # Evidence and scores built from valid findings and a clamped score: no validation for each.
            evidence_spans = tuple(
                trusted(Evidence, start=f.start, end=f.end, quote=f.quote) for f in by_dimension.get(dim.id, ())
            )
            dimensions.append(
                trusted(
                    DimensionScore,
                    id=dim.id,
                    title=dim.title,
                    score=score,
                    rationale=rationale,
                    evidence=evidence_spans,
                )
            )
        overall = None
        if fitted is not None and fitted.knows("overall") and all(fitted.knows(d) for d in rubric.ids):
            overall = round(predicted["overall"], 2)
        return judged_review(
            engine=self.name,
            rubric=rubric,
            message=message,
            text=text,
            dimensions=dimensions,
            findings=findings,
            gate=self.gate,
            overall=overall,
            missing=tuple(missing),
            suggestions=suggestions_for(findings, missing) or _aims(rubric, dimensions),
            usage=Usage(),
            notes=(*found.notes, *reading_note(message.situation, news, missing)),
        )


def reading_note(situation: str | None, news: Profile, missing: list[Missing]) -> tuple[str, ...]:
    """What the engine took the message to be, when the writer did not say: what is missing depends on it (a
    report of a failure owes an apology and a next step; good news owes neither), so a misreading must be visible
    and easy to correct, not a mystery in the JSON's `situation: null`."""
    if situation is not None or not missing or news.problem == "none" and not news.complaint:
        return ()
    kind = {"failure": "a report of a problem", "risk": "a warning of a risk"}.get(news.problem, "routine news")
    if news.timing and news.problem != "none":
        kind += ", with a date at stake"
    if news.complaint:
        kind += ", in reply to a complaint"
    return (
        f"No situation given, so this was read as {kind}: that is what the missing items are judged against. "
        "If that is wrong, say what it is with --situation (the Situation field in the terminal UI).",
    )


AIM = 4
"""The level a suggestion points a low dimension at: the rubric's description of a 4 (what a message worth sending
does), when no phrase or missing element says what to change."""


def _aims(rubric: Rubric, dimensions: list[DimensionScore], limit: int = 2) -> tuple[str, ...]:
    """For a draft with nothing specific to fix, the lowest dimensions below `AIM` and what that level reads like:
    the writer is told where the score comes from and what to aim for, not left with an unexplained 2/5."""
    low = sorted((d for d in dimensions if d.score < AIM), key=lambda d: d.score)[:limit]
    by_id = {dim.id: dim for dim in rubric.dimensions}
    return tuple(f"{d.title} {d.score}/5; a {AIM} reads: {by_id[d.id].scale[str(AIM)]}" for d in low)


def suggestions_for(findings: list[Finding], missing: list[Missing], limit: int = 6) -> tuple[str, ...]:
    """The most useful fixes first: what is missing, then the worst phrases, one line each."""
    lines: list[str] = []
    for item in sorted(missing, key=lambda m: -SEVERITY_ORDER[m.severity]):
        lines.append(item.message)
    for f in sorted(findings, key=lambda f: -SEVERITY_ORDER[f.severity]):
        if f.severity != "positive":
            lines.append(f"“{f.quote}”: {f.message}")
    return tuple(dict.fromkeys(lines))[:limit]
