"""The rules engine: deterministic, offline and instant; every score is explained by findings in the text.

Cues and checks come from the rubric files. A cue is a set of regular expressions whose matches become findings and
move the dimension's score by the cue's weight; a check is a structural test (is there a new date? an owner? is most
of the message about causes?) that reports a missing element or a finding. What a message owes the client depends
on its news: a routine update owes no apology, a delay owes a new date (`reviewer.text.profile`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from reviewer.models import SEVERITY_ORDER, DimensionScore, Evidence, Finding, Message, Missing, Review, Usage
from reviewer.rewrite import scaffold_rewrite
from reviewer.rubric import Applies, Check, Cue, Dimension, Rubric
from reviewer.scoring import Gate, overall_score, verdict_for
from reviewer.text import DATE_PATTERN, Profile, date_spans, lowered, profile, sentence_at, sentences, words

DATE_TOKEN = "@date"
"""Inside a cue pattern, "@date" stands for Candor's date-and-time pattern (`reviewer.text.DATE_PATTERN`)."""

_FORWARD = re.compile(
    r"\b(?:will|we'll|i'll|new|revised|now|expect\w*|target\w*|aim\w*|plan\w*|eta|moved? to|reschedul\w*|by|until|"
    r"should|ready|deliver\w*|restor\w*|back (?:up|online)|complete\w*|confirm\w*|land\w*|go(?:es)? live|launch\w*|"
    r"ship\w*|resum\w*|next|from|instead|rather than|going to|on track|expected|estimate\w*)\b",
    re.IGNORECASE,
)
_BACKWARD = re.compile(
    r"\b(?:was due|were due|originally|had planned|had been planned|planned for|scheduled for|supposed to|missed|"
    r"agreed date|promised|was set for|last week|yesterday|earlier)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Branch:
    """One cue pattern inside its family's combined regex."""

    cue: Cue
    dimension: str
    keep_group: str | None
    unless: tuple[re.Pattern[str], ...]

    @property
    def family(self) -> str:
        return self.cue.id.split("-", 1)[0]


@dataclass(frozen=True)
class _Family:
    """All patterns of one cue family in two combined regexes, so a review scans the text once per family.

    Case-insensitive matching is what makes Python's `re` slow, so most patterns are lower-cased and run without
    IGNORECASE on a lower-cased copy of the text; patterns that need case (`(?-i:...)`, names) run on the original.
    """

    name: str
    lowered: re.Pattern[str] | None
    cased: re.Pattern[str] | None
    branches: tuple[tuple[re.Pattern[str], bool, _Branch], ...]
    """Each pattern alone (and whether it runs on the lowered text), to tell which cue a combined match came from.
    Named groups around each branch would say so directly, but they stop `re` from skipping branches by their
    first character, which made the combined scan six times slower."""

    def branch_at(self, lowered: str, text: str, start: int, end: int) -> tuple[_Branch, re.Match[str]]:
        for regex, on_lowered, branch in self.branches:
            match = regex.match(lowered if on_lowered else text, start)
            if match and match.end() == end:
                return branch, match
        for regex, on_lowered, branch in self.branches:
            match = regex.match(lowered if on_lowered else text, start)
            if match:
                return branch, match
        raise AssertionError("a combined match must come from one of its branches")


@dataclass(frozen=True)
class _Contribution:
    dimension: str
    weight: float
    label: str


_ESCAPED_OR_LETTER = re.compile(r"\\.|\(\?P<\w+>|[A-Z]")


def _lower_pattern(pattern: str) -> str:
    """Lower-case a pattern's literal letters, leaving escapes (\\S, \\B...) and group names alone."""
    return _ESCAPED_OR_LETTER.sub(lambda m: m.group(0).lower() if len(m.group(0)) == 1 else m.group(0), pattern)


def _expand(pattern: str) -> str:
    return pattern.replace(DATE_TOKEN, f"(?:{DATE_PATTERN.pattern})")


@lru_cache(maxsize=8)
def _compiled(rubric: Rubric) -> tuple[_Family, ...]:
    parts: dict[str, tuple[list[str], list[str], list[tuple[re.Pattern[str], bool, _Branch]]]] = {}
    for dim in rubric.dimensions:
        for cue in dim.cues:
            family = cue.id.split("-", 1)[0]
            lowered, cased, branches = parts.setdefault(family, ([], [], []))
            unless = tuple(re.compile(_expand(u), re.IGNORECASE) for u in cue.unless)
            for pattern in cue.patterns:
                body = _expand(pattern)
                branch = _Branch(cue, dim.id, "keep" if "(?P<keep>" in pattern else None, unless)
                if "(?-i:" in pattern:
                    cased.append(f"(?:{body.replace('(?P<keep>', '(?:')})")
                    branches.append((re.compile(body, re.IGNORECASE | re.MULTILINE), False, branch))
                else:
                    body = _lower_pattern(body)
                    lowered.append(f"(?:{body.replace('(?P<keep>', '(?:')})")
                    branches.append((re.compile(body, re.MULTILINE), True, branch))
    return tuple(
        _Family(
            name=family,
            lowered=re.compile("|".join(lowered), re.MULTILINE) if lowered else None,
            cased=re.compile("|".join(cased), re.IGNORECASE | re.MULTILINE) if cased else None,
            branches=tuple(branches),
        )
        for family, (lowered, cased, branches) in parts.items()
    )


def _applies(applies: Applies, news: Profile) -> bool:
    if applies == "always":
        return True
    if applies == "problem":
        return news.problem != "none"
    if applies == "failure":
        return news.problem == "failure"
    return news.problem != "none" and news.timing


def find_cues(text: str, rubric: Rubric, news: Profile) -> list[Finding]:
    """Every cue match in the text, without overlaps inside one family, in text order."""
    found: list[Finding] = []
    low = lowered(text)
    for family in _compiled(rubric):
        spans: list[tuple[int, int]] = []
        matches = [m for regex, subject in ((family.lowered, low), (family.cased, text)) if regex
                   for m in regex.finditer(subject)]
        for combined in sorted(matches, key=lambda m: m.start()):
            branch, match = family.branch_at(low, text, *combined.span())
            cue = branch.cue
            if not _applies(cue.applies, news):
                continue
            start, end = match.span()
            while end > start and text[end - 1] in " ,;:":
                end -= 1
            if end <= start or any(start < e and end > s for s, e in spans):
                continue
            sentence = sentence_at(text, start)
            if branch.unless and any(u.search(sentence.text) for u in branch.unless):
                continue
            if cue.unless_date_in_sentence and _date_elsewhere(sentence.text, start - sentence.start, end - sentence.start):
                continue
            spans.append((start, end))
            replacement = cue.replacement
            if replacement and "\\g<keep>" in replacement:
                kept = match.group(branch.keep_group) if branch.keep_group else None
                replacement = text[match.start(branch.keep_group) : match.end(branch.keep_group)] if kept else None
            found.append(
                Finding(
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


def _date_elsewhere(sentence: str, start: int, end: int) -> bool:
    """A concrete date in the sentence outside the matched phrase ("shortly, by 5pm" is not vague)."""
    return any(e <= start or s >= end for s, e in date_spans(sentence))


def _has_new_date(text: str) -> bool:
    for date_start, _ in date_spans(text):
        sentence = sentence_at(text, date_start).text
        if _FORWARD.search(sentence) or not _BACKWARD.search(sentence):
            return True
    return False


def _over_explaining(text: str, check: Check) -> Finding | None:
    """Most of the message is about causes: a finding spanning the cause sentences, or None."""
    markers = [re.compile(p, re.IGNORECASE) for p in check.patterns]
    all_sentences = sentences(text)
    causal = [s for s in all_sentences if any(m.search(s.text) for m in markers)]
    total = max(words(text), 1)
    cause_words = sum(words(s.text) for s in causal)
    share = cause_words / total
    if len(causal) < 3 or share < 0.4:
        return None
    start, end = causal[0].start, causal[-1].end
    return Finding(
        rule=f"{check.id}-cause_share",
        dimension="",
        severity=check.severity,
        start=start,
        end=end,
        quote=text[start:end],
        message=f"{check.message} ({len(causal)} of {len(all_sentences)} sentences, {share:.0%} of the words.)",
    )


def run_checks(
    text: str, rubric: Rubric, news: Profile, cue_findings: list[Finding]
) -> tuple[list[Finding], list[Missing], list[_Contribution]]:
    families = {f.family for f in cue_findings}
    findings: list[Finding] = []
    missing: list[Missing] = []
    contributions: list[_Contribution] = []
    for dim in rubric.dimensions:
        for check in dim.checks:
            if not _applies(check.applies, news):
                continue
            if check.check == "over_explaining":
                finding = _over_explaining(text, check)
                if finding is not None:
                    findings.append(finding.model_copy(update={"dimension": dim.id}))
                    contributions.append(_Contribution(dim.id, check.weight, "over-explaining"))
                continue
            if check.check == "found":
                hits = [f for f in cue_findings if f.family in check.satisfied_by]
                if hits:
                    contributions.append(_Contribution(dim.id, check.weight, hits[0].family.replace("_", " ")))
                continue
            present = (
                _has_new_date(text) if check.check == "new_date" else bool(families & set(check.satisfied_by))
            )
            label = check.id.replace("_", " ")
            if present:
                if check.credit:
                    contributions.append(_Contribution(dim.id, check.credit, label))
            else:
                missing.append(
                    Missing(
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


def _cue_contributions(rubric: Rubric, findings: list[Finding]) -> list[_Contribution]:
    """Each cue moves its dimension by its weight per match, up to `max_count` matches of that cue, and at most the
    two strongest matches of a family count (ten vague phrases are not five times worse than two)."""
    weights: dict[str, Cue] = {cue.id: cue for dim in rubric.dimensions for cue in dim.cues}
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


def score_dimension(dim: Dimension, news: Profile, parts: list[_Contribution]) -> int:
    base = dim.base if news.problem != "none" else dim.base_no_problem
    return max(1, min(5, _round_half_up(base + sum(p.weight for p in parts))))


class RulesEngine:
    """Deterministic review from the rubric's cues and checks."""

    name = "rules"

    def __init__(self, gate: Gate | None = None) -> None:
        self.gate = gate or Gate()

    def review(self, message: Message, rubric: Rubric) -> Review:
        text = message.text
        news = profile(text, message.situation)
        findings = find_cues(text, rubric, news)
        check_findings, missing, check_parts = run_checks(text, rubric, news, findings)
        findings = sorted(findings + check_findings, key=lambda f: (f.start, -SEVERITY_ORDER[f.severity]))
        parts = _cue_contributions(rubric, findings) + check_parts
        dimensions: list[DimensionScore] = []
        for dim in rubric.dimensions:
            own = [p for p in parts if p.dimension == dim.id]
            score = score_dimension(dim, news, own)
            evidence = tuple(
                Evidence(start=f.start, end=f.end, quote=f.quote) for f in findings if f.dimension == dim.id
            )
            dimensions.append(
                DimensionScore(
                    id=dim.id, title=dim.title, score=score, rationale=_rationale(score, own, news), evidence=evidence
                )
            )
        scores = {d.id: d.score for d in dimensions}
        overall = overall_score(scores, rubric, findings)
        return Review(
            engine=self.name,
            rubric=rubric.ref,
            text=text,
            situation=message.situation,
            overall=overall,
            verdict=verdict_for(overall, findings, self.gate),
            dimensions=tuple(dimensions),
            findings=tuple(findings),
            missing=tuple(missing),
            suggestions=suggestions_for(findings, missing),
            rewrite=scaffold_rewrite(message, findings, missing),
            usage=Usage(),
        )


def suggestions_for(findings: list[Finding], missing: list[Missing], limit: int = 6) -> tuple[str, ...]:
    """The most useful fixes first: what is missing, then the worst phrases, one line each."""
    lines: list[str] = []
    for item in sorted(missing, key=lambda m: -SEVERITY_ORDER[m.severity]):
        lines.append(item.message)
    for f in sorted(findings, key=lambda f: -SEVERITY_ORDER[f.severity]):
        if f.severity != "positive":
            lines.append(f"“{f.quote}”: {f.message}")
    return tuple(dict.fromkeys(lines))[:limit]
