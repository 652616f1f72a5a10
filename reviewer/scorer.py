"""Fitted scoring: findings and a few structural measures of the text become 1-5 scores through a linear model.

The cues and checks find evidence (what the writer sees and fixes); how much each piece of evidence should move a
score is not guessed by hand but fitted on messages written by other people and rated by independent raters
(`python -m evals.fit_scorer`). The fitted weights are data (`prompts/rubric/scorer.json`, beside the dimension
files); inference is a dot product in pure Python, deterministic and offline. A dimension the weights file does not
know (a team's own) keeps its cue weights.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from reviewer.errors import RubricError
from reviewer.models import Finding, Missing
from reviewer.regex_program import compile_starting

SCORER_FILE = "scorer.json"
SCORER_SCHEMA = "candor.scorer/1"
FAMILY_CAP = 3
"""Counts of one finding family stop adding evidence after this many (the tenth vague phrase says little new)."""

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_WORD_LOW = re.compile(r"[a-z][a-z'’-]*")
_BULLET_LINE = re.compile(r"^\s*(?:[-*•✅]|\d+[.)])\s+", re.MULTILINE)
_SHOUT = compile_starting(r"\b[A-Z]{4,}\b")
"""Compiled with its capitals as the start set (`regex_program`): the engine skips the rest of the text in C."""
_TOKEN = re.compile(r"[a-z][a-z']+")
WORD_PREFIX = "word:"


@dataclass(frozen=True)
class FeatureWords:
    """The rubric's lists behind the text measures (prompts/rubric/lists.toml, `feature_*`), compiled: the weights
    in scorer.json were fitted with them, so changing one calls for a refit."""

    hedge: re.Pattern[str]
    cause: re.Pattern[str]
    thanks: re.Pattern[str]
    apology: re.Pattern[str]
    greeting: re.Pattern[str]
    second_person: frozenset[str]
    first_plural: frozenset[str]
    first_singular: frozenset[str]
    negation: frozenset[str]


@dataclass(frozen=True)
class DimensionWeights:
    """One fitted linear model: score = intercept + sum(coef * (x - mean) / scale), clipped to 1-5."""

    intercept: float
    coefficients: Mapping[str, float]
    calibration: tuple[tuple[float, float], ...] = ()
    """Knots of a monotone piecewise-linear map applied to the linear score (ranks are unchanged): it puts the
    gate's thresholds where they separate the raters' verdicts best on held-out messages."""


@dataclass(frozen=True, eq=False)
class FittedScorer:
    """Weights for some dimensions (and overall) over named features; features it does not know count as 0."""

    features: tuple[str, ...]
    means: Mapping[str, float]
    scales: Mapping[str, float]
    dimensions: Mapping[str, DimensionWeights]
    source: str = ""

    def knows(self, dimension: str) -> bool:
        return dimension in self.dimensions

    @cached_property
    def _linear(self) -> dict[str, tuple[float, dict[str, float]]]:
        """Per dimension, the score of a message with every feature at 0, and each feature's slope: a review then
        only visits the features it has (a few hundred words) instead of every weight."""
        out = {}
        for dim, weights in self.dimensions.items():
            slopes = {n: c / (self.scales.get(n, 1.0) or 1.0) for n, c in weights.coefficients.items()}
            base = weights.intercept - sum(slope * self.means.get(n, 0.0) for n, slope in slopes.items())
            out[dim] = (base, slopes)
        return out

    @cached_property
    def _known(self) -> frozenset[str]:
        return frozenset(n for _, slopes in self._linear.values() for n in slopes)

    @cached_property
    def words(self) -> frozenset[str]:
        """The words and word pairs that have a weight (the rest of a message's words cannot move a score)."""
        return frozenset(n.removeprefix(WORD_PREFIX) for n in self._known if n.startswith(WORD_PREFIX))

    def predict(self, dimension: str, values: Mapping[str, float]) -> float:
        weights = self.dimensions[dimension]
        base, slopes = self._linear[dimension]
        return self._finish(weights, base + sum([slopes[n] * v for n, v in values.items() if v and n in slopes]))

    @cached_property
    def _nameable(self) -> dict[str, tuple[tuple[str, float, float], ...]]:
        """Per dimension, what a rationale can name, as (name, slope, mean): every weighted feature that is not a
        word. A word's weight is real but reads as noise to a writer ("held down by the word 'room'": the fit's
        topics, not advice), so words are never named."""
        return {
            dim: tuple((n, s, self.means.get(n, 0.0)) for n, s in slopes.items() if not n.startswith(WORD_PREFIX))
            for dim, (_, slopes) in self._linear.items()
        }

    def pushes(self, dimension: str, values: Mapping[str, float]) -> list[tuple[str, float]]:
        """How far each feature a rationale can name moved this dimension's linear score away from the fit's
        average message (the intercept), those of at least `PUSH_WORTH_NAMING`, largest first. With the words'
        pushes and the smaller ones they add up to the score."""
        pushed = [(n, s * (values.get(n, 0.0) - mean)) for n, s, mean in self._nameable[dimension]]
        return sorted(((n, p) for n, p in pushed if abs(p) >= PUSH_WORTH_NAMING), key=lambda p: (-abs(p[1]), p[0]))

    @staticmethod
    def _finish(weights: DimensionWeights, total: float) -> float:
        if weights.calibration:
            total = _interpolate(weights.calibration, total)
        return max(1.0, min(5.0, total))

    @cached_property
    def _rows(self) -> dict[str, tuple[float, ...]]:
        """Each feature with a weight -> its slope in every dimension, in `dimensions` order, 0.0 where it has none
        (adding 0.0 leaves a sum as it was, so a dimension's sum is that of its own terms alone)."""
        linear = list(self._linear.values())
        return {name: tuple(slopes.get(name, 0.0) for _, slopes in linear) for name in self._known}

    def predict_all(self, values: Mapping[str, float]) -> dict[str, float]:
        """`predict` of every dimension it knows, from one pass over the features: each dimension's terms are the
        same products in the same order, so the same sums, as `predict` gives one by one. A feature's products are
        its row of slopes (times its value, unless that is 1.0, as a word's always is), and each dimension's sum is
        the sum of one column (`zip`, in C), not a Python step per feature and dimension. Features are finite
        measures, so a 0.0 slope times a value is 0.0."""
        rows = self._rows
        scaled = [
            row if value == 1.0 else tuple([slope * value for slope in row])
            for name, value in values.items()
            if value and (row := rows.get(name)) is not None
        ]
        columns = zip(*scaled, strict=True) if scaled else [()] * len(self._linear)  # one column per dimension
        return {
            dim: self._finish(self.dimensions[dim], base + sum(column))
            for (dim, (base, _)), column in zip(self._linear.items(), columns, strict=True)
        }

    def to_json(self) -> str:
        data = {
            "schema": SCORER_SCHEMA,
            "source": self.source,
            "features": list(self.features),
            "means": {k: round(v, 6) for k, v in self.means.items()},
            "scales": {k: round(v, 6) for k, v in self.scales.items()},
            "dimensions": {
                dim: {
                    "intercept": round(w.intercept, 6),
                    "coefficients": {k: round(c, 6) for k, c in w.coefficients.items()},
                    **_calibration(w),
                }
                for dim, w in self.dimensions.items()
            },
        }
        return json.dumps(data, indent=1, sort_keys=False) + "\n"


PUSH_WORTH_NAMING = 0.08
"""In score points: a feature that moves a dimension's score less than this is not named in its rationale."""

_FAMILY_PRESENT = {
    "acknowledge": "acknowledging the impact",
    "appreciation": "stock thanks",
    "client_focus": "the reader's side",
    "invite": "an invitation to talk",
    "next_step": "a next step",
    "options": "a choice offered",
    "owner": "a named owner",
    "prevention": "steps against a repeat",
    "update": "a next update",
}
_FAMILY_ABSENT = {
    "acknowledge": "nothing on what it means for the reader",
    "apology": "no apology",
    "client_focus": "little on the reader's side",
    "invite": "no invitation to talk",
    "next_step": "no next step",
    "options": "no choice offered",
    "owner": "no named owner",
    "ownership": "no ownership",
    "prevention": "nothing against a repeat",
    "update": "no next update",
}
"""Only strengths are named by their absence: "no blame" is never what held a score down."""
_TEXT_MEASURE = {
    "log_words": ("short ({words})", "long ({words})"),
    "second_person": ("little “you”", "much “you”"),
    "first_plural": ("little “we”", "much “we”"),
    "first_singular": ("no “I”", "much “I”"),
    "negation": ("few negatives", "many negatives (not, no, never, can't)"),
    "hedges": ("no hedging", "hedging"),
    "causes": ("no cause given", "much of it about the cause"),
    "thanks": ("no thanks", "thanks"),
    "apology_words": ("no apology", "apologising"),
    "questions": ("no questions", "questions"),
    "exclamations": ("no exclamation marks", "exclamation marks"),
    "shouting": ("no capitals", "words in capitals"),
    "greeting": ("no greeting", "a greeting"),
    "bullets": ("no list", "a list"),
    "lines": ("one block of text", "many lines"),
    "dates": ("no date or time", "dates or times"),
}
"""What a text measure reads as below and above the fit's average message."""


_NEVER_A_LIFT = frozenset({"text:shouting", "text:exclamations"})
"""Measures the fit weighs up (product names in capitals, cheerful notices) but no writer should be told lift a
score: capitals read as shouting, and exclamation marks as a pose."""
_NEVER_A_WEIGHT = frozenset(f"family:{f}" for f in (*_FAMILY_ABSENT, "appreciation"))
"""Strengths the review lists under "Working well": one the fit happens to weigh down (stock thanks) is not also
named as what held the score down, which would contradict the same review."""


def describe_feature(name: str, value: float, mean: float) -> str | None:
    """A feature as a writer reads it ("no date or time", "short (24 words)"), or None when it is not something to
    name (what kind of news the engine took it for; a word)."""
    kind, _, what = name.partition(":")
    above = value > mean
    if kind == "family":
        return _FAMILY_PRESENT.get(what, what.replace("_", " ")) if value else _FAMILY_ABSENT.get(what)
    if kind == "missing":
        return f"no {what.replace('_', ' ')}"
    if kind == "severity":
        return "a critical finding"
    if kind == "text" and what in _TEXT_MEASURE:
        words = round(math.expm1(value))
        return _TEXT_MEASURE[what][above].format(words=f"{words} word{'' if words == 1 else 's'}")
    return None


def explain_score(scorer: FittedScorer, dimension: str, values: Mapping[str, float]) -> tuple[str, str]:
    """What held a fitted score down and what lifted it, the largest pushes first ("many negatives, no date or
    time", "a next step"): empty when nothing moved it by `PUSH_WORTH_NAMING`. Only what the text has can lift a
    score (its having no negatives is the average message's lot, not an achievement)."""
    named: dict[bool, list[str]] = {False: [], True: []}  # by whether it lifted the score
    for name, push in scorer.pushes(dimension, values):
        lifted = push > 0
        value, mean = values.get(name, 0.0), scorer.means.get(name, 0.0)
        label = describe_feature(name, value, mean)
        if label is None or (lifted and value <= mean) or len(named[lifted]) == (2 if lifted else 3):
            continue
        if (lifted and name in _NEVER_A_LIFT) or (not lifted and value and name in _NEVER_A_WEIGHT):
            continue
        named[lifted].append(label)
    return ", ".join(named[False]), ", ".join(named[True])


def _calibration(weights: DimensionWeights) -> dict[str, list[list[float]]]:
    if not weights.calibration:
        return {}
    return {"calibration": [[round(a, 4), round(b, 4)] for a, b in weights.calibration]}


def _interpolate(knots: tuple[tuple[float, float], ...], x: float) -> float:
    if x <= knots[0][0]:
        return knots[0][1] + (x - knots[0][0])
    for (x0, y0), (x1, y1) in zip(knots, knots[1:], strict=False):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0) if x1 > x0 else y1
    return knots[-1][1] + (x - knots[-1][0])


def parse_scorer(text: str, source: str) -> FittedScorer:
    """Validate a weights file; any problem is one line naming the file."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise RubricError(f"{source}: not valid JSON: {err.msg} (line {err.lineno})") from None
    if not isinstance(data, dict) or data.get("schema") != SCORER_SCHEMA:
        raise RubricError(f"{source}: schema: expected {SCORER_SCHEMA!r}")
    try:
        features = tuple(str(f) for f in data["features"])
        means = {str(k): float(v) for k, v in data["means"].items()}
        scales = {str(k): float(v) for k, v in data["scales"].items()}
        dimensions = {
            str(dim): DimensionWeights(
                intercept=float(w["intercept"]),
                coefficients={str(k): float(c) for k, c in w["coefficients"].items()},
                calibration=tuple((float(a), float(b)) for a, b in w.get("calibration", ())),
            )
            for dim, w in data["dimensions"].items()
        }
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise RubricError(f"{source}: malformed weights ({type(err).__name__}: {err})") from None
    known = set(features)
    for dim, weights in dimensions.items():
        unknown = set(weights.coefficients) - known
        if unknown:
            raise RubricError(f"{source}: dimensions.{dim}: unknown features {', '.join(sorted(unknown))}")
        xs = [a for a, _ in weights.calibration]
        ys = [b for _, b in weights.calibration]
        if xs != sorted(xs) or ys != sorted(ys):
            raise RubricError(f"{source}: dimensions.{dim}.calibration: knots must rise")
        values = [weights.intercept, *weights.coefficients.values(), *(v for k in weights.calibration for v in k)]
        if not all(math.isfinite(v) for v in values):
            raise RubricError(f"{source}: dimensions.{dim}: weights must be finite numbers")
    if any(not math.isfinite(v) for v in (*means.values(), *scales.values())):
        raise RubricError(f"{source}: means and scales must be finite numbers")
    return FittedScorer(features=features, means=means, scales=scales, dimensions=dimensions, source=source)


def load_scorer(directories: Iterable[Path]) -> tuple[FittedScorer | None, bytes]:
    """The last `scorer.json` among the rubric directories (a later folder overrides), and its bytes for the hash."""
    found: tuple[Path, bytes] | None = None
    for directory in directories:
        path = directory / SCORER_FILE
        if path.is_file():
            try:
                found = (path, path.read_bytes())
            except OSError as err:
                raise RubricError(f"{path}: cannot read: {err.strerror}") from None
    if found is None:
        return None, b""
    path, raw = found
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RubricError(f"{path}: cannot read: not UTF-8 ({err.reason})") from None
    return parse_scorer(text, str(path)), raw


def text_features(text: str, low: str, lists: FeatureWords) -> dict[str, float]:
    """Structural and lexical measures that generalise across writers: length, who is addressed, hedging,
    questions, dates are added by the caller, how much of it is cause."""
    # An ASCII text's lower-cased copy has the same words at the same places, already lower-cased.
    tokens = _WORD_LOW.findall(low) if text.isascii() else [t.lower() for t in _WORD.findall(text)]
    n = max(len(tokens), 1)
    counts = Counter(tokens)  # each distinct word tested once, not each occurrence (integer counts: exact)
    distinct = counts.keys()
    negations = (distinct & lists.negation) | {t for t in distinct if t.endswith("n't")}
    lines = sum(1 for line in text.splitlines() if line.strip())
    return {
        "text:log_words": math.log1p(len(tokens)),
        "text:second_person": sum(counts[t] for t in distinct & lists.second_person) / n * 10,
        "text:first_plural": sum(counts[t] for t in distinct & lists.first_plural) / n * 10,
        "text:first_singular": sum(counts[t] for t in distinct & lists.first_singular) / n * 10,
        "text:negation": sum(counts[t] for t in negations) / n * 10,
        "text:hedges": min(len(lists.hedge.findall(low)), 6) / 2,
        "text:causes": min(len(lists.cause.findall(low)), 6) / 2,
        "text:thanks": float(min(len(lists.thanks.findall(low)), 2)),
        "text:apology_words": float(min(len(lists.apology.findall(low)), 3)),
        "text:questions": float(min(text.count("?"), 3)),
        "text:exclamations": float(min(text.count("!"), 3)),
        "text:shouting": float(min(len(_SHOUT.findall(text)), 3)),
        "text:greeting": 1.0 if lists.greeting.match(text) else 0.0,
        "text:bullets": float(min(len(_BULLET_LINE.findall(text)), 5)),
        "text:lines": math.log1p(lines),
    }


def word_features(low: str, vocabulary: frozenset[str] | None = None) -> dict[str, float]:
    """Which words and word pairs occur (1.0 each): the fit keeps those common enough across sources to generalise,
    and a message's other words simply have no weight. With `vocabulary` (`FittedScorer.words`), only those words:
    all a review needs (the pairs are looked up as pairs of words, so no name is built for the others)."""
    words = _TOKEN.findall(low)
    if vocabulary is not None:
        singles, pairs = _split_vocabulary(vocabulary)
        found = (set(words) & singles) | {f"{a}_{b}" for a, b in set(zip(words, words[1:], strict=False)) & pairs}
        return {WORD_PREFIX + w: 1.0 for w in found}
    present = set(words) | {f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)}
    return {WORD_PREFIX + w: 1.0 for w in present}


@lru_cache(maxsize=4)
def _split_vocabulary(vocabulary: frozenset[str]) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """The single words, and the word pairs as (first, second): a token never holds "_", so "a_b" is a pair."""
    singles = frozenset(w for w in vocabulary if "_" not in w)
    pairs = frozenset((w.split("_", 1)[0], w.split("_", 1)[1]) for w in vocabulary if "_" in w)
    return singles, pairs


def review_features(
    *,
    text: str,
    low: str,
    findings: Iterable[Finding],
    missing: Iterable[Missing],
    problem: str,
    timing: bool,
    complaint: bool,
    dates: int,
    lists: FeatureWords,
    vocabulary: frozenset[str] | None = None,
) -> dict[str, float]:
    """Every feature of one reviewed message: finding families (capped counts), missing elements, the kind of
    news, and the text's structure."""
    values: dict[str, float] = {}
    for finding in findings:
        key = f"family:{finding.family}"
        values[key] = min(values.get(key, 0.0) + 1.0, FAMILY_CAP)
        if finding.severity == "critical":
            values["severity:critical"] = 1.0
    for item in missing:
        values[f"missing:{item.id}"] = 1.0
    values["news:failure"] = 1.0 if problem == "failure" else 0.0
    values["news:risk"] = 1.0 if problem == "risk" else 0.0
    values["news:timing"] = 1.0 if timing else 0.0
    values["news:complaint"] = 1.0 if complaint else 0.0
    values["text:dates"] = float(min(dates, 4))
    values.update(text_features(text, low, lists))
    values.update(word_features(low, vocabulary))
    return values
