"""Can a learned sentence model find the problem phrases the cue patterns miss? Measured, not shipped.

Per span family, a ridge classifier over cheap features of each sentence (its words and word pairs, position,
length, share of "you", cause words, an imperative opening, negations, the engine's own findings in it, in the
sentences beside it and in the message) predicts whether the sentence overlaps a gold span of that family. It is
cross-validated on the realistic dev split grouped by source site (a site's messages are never on both sides), and
its penalty and threshold are chosen in inner folds of the training part only, for span F1 with a floor on the
precision of what the model adds (a highlighted phrase that is not a problem costs trust). Scored as `candor eval`
scores spans: a predicted span counts when it overlaps a gold span of its family.

The table it prints is in the README ("What was tried"). Never reads the test split.
Usage: python -m evals.span_cv [--residual] (needs numpy, part of the test extra; a few minutes)
"""

from __future__ import annotations

import argparse
import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evals.metrics import SpanScore, add_span_scores, span_score
from evals.runner import REALISTIC_DIR as _REALISTIC
from evals.runner import SPAN_FAMILIES, Example, load_examples
from reviewer.engines.rules import analyse
from reviewer.models import Message
from reviewer.rubric import Rubric
from reviewer.text import sentences

FOLDS, INNER_FOLDS = 5, 4
PENALTIES = (10.0, 30.0, 100.0)
MIN_SENTENCES = 5
"""A word or word pair is a feature when at least this many training sentences hold it."""
PRECISION_FLOOR = 0.5
_WORD = re.compile(r"[a-z0-9']+")
_SECOND = frozenset({"you", "your", "yours", "yourself", "yourselves"})
_CAUSE = frozenset({"because", "due", "caused", "since", "owing", "reason", "result", "as", "resulted", "so"})
_NEGATION = frozenset({"not", "no", "never", "nothing", "cannot", "none", "nor"})
_IMPERATIVE = frozenset(
    "please check contact read note see refer stop call send make try understand remember keep do don't feel let "
    "kindly ensure open use look consider take go follow".split()
)

Span = tuple[int, int]
Hit = tuple[str, str, int, int]
"""An engine finding: family, severity, start, end."""


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def fold_of(site: str, folds: int, salt: str = "") -> int:
    """The fold of every message from one source site (a hash, so stable across runs and machines)."""
    return int(hashlib.sha256((salt + site).encode()).hexdigest(), 16) % folds


def sentence_features(text: str, hits: Sequence[Hit]) -> list[tuple[Span, dict[str, float]]]:
    """Each sentence's span and features; `hits` are the engine's findings in the message."""
    units = [((s.start, s.end), s.text) for s in sentences(text)]
    n = len(units)
    in_message = {family for family, _, _, _ in hits}
    out = []
    for i, (span, sentence) in enumerate(units):
        tokens = _WORD.findall(sentence.lower())
        f: dict[str, float] = dict.fromkeys((f"w:{t}" for t in tokens), 1.0)
        f.update(dict.fromkeys((f"b:{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)), 1.0))
        size = max(len(tokens), 1)
        f["position"] = i / max(n - 1, 1)
        f["first"], f["last"] = float(i == 0), float(i == n - 1)
        f["log_words"] = math.log1p(len(tokens))
        f["log_sentences"] = math.log1p(n)
        f["second_person"] = sum(t in _SECOND for t in tokens) / size * 5
        f["causes"] = min(sum(t in _CAUSE for t in tokens), 3)
        f["imperative"] = float(bool(tokens) and tokens[0] in _IMPERATIVE)
        f["negations"] = min(sum(t in _NEGATION or t.endswith("n't") for t in tokens), 3)
        f["exclamation"], f["question"] = float("!" in sentence), float("?" in sentence)
        f["shouting"] = float(re.search(r"\b[A-Z]{3,}\b", sentence) is not None)
        for family, severity, start, end in hits:
            if _overlaps(span, (start, end)):
                f[f"here:{family}"] = min(f.get(f"here:{family}", 0) + 1, 2)
                f[f"severity:{severity}"] = min(f.get(f"severity:{severity}", 0) + 1, 2)
        for j, side in ((i - 1, "before"), (i + 1, "after")):
            if 0 <= j < n:
                f.update({f"{side}:{fam}": 1.0 for fam, _, s, e in hits if _overlaps(units[j][0], (s, e))})
        f.update({f"message:{fam}": 1.0 for fam in in_message})
        out.append((span, f))
    return out


@dataclass(frozen=True)
class Prepared:
    """One message: its sentences' features, the engine's spans per family and the gold spans per family."""

    site: str
    units: list[tuple[Span, dict[str, float]]]
    patterns: dict[str, list[Span]]
    gold: dict[str, list[Span]]

    def labels(self, family: str) -> list[float]:
        return [float(any(_overlaps(span, g) for g in self.gold[family])) for span, _ in self.units]


def prepare(example: Example, rubric: Rubric) -> Prepared:
    findings = analyse(Message(text=example.text), rubric).findings
    hits = [(f.family, f.severity, f.start, f.end) for f in findings]
    return Prepared(
        site=example.source or example.id,
        units=sentence_features(example.text, hits),
        patterns={fam: [(s, e) for f, _, s, e in hits if f == fam] for fam in SPAN_FAMILIES},
        gold={fam: [(s["start"], s["end"]) for s in example.spans if s["family"] == fam] for fam in SPAN_FAMILIES},
    )


def tally(message: Prepared, family: str, scores: Sequence[float], threshold: float, mode: str) -> SpanScore:
    """Span counts for one message: `patterns` (the engine alone), `model` (sentences scoring at or above the
    threshold), `both` (the engine's spans plus each such sentence no engine span of the family overlaps) or
    `added` (those added sentences alone: the learned findings a user would see)."""
    gold, patterns = message.gold[family], message.patterns[family]
    if mode == "patterns":
        return span_score(gold, patterns)
    chosen = [span for (span, _), s in zip(message.units, scores, strict=True) if s >= threshold]
    if mode != "model":
        chosen = [c for c in chosen if not any(_overlaps(c, p) for p in patterns)]
    return span_score(gold, patterns + chosen if mode == "both" else chosen)


def total(
    messages: Sequence[Prepared], family: str, scores: Sequence[Sequence[float]], threshold: float, mode: str
) -> SpanScore:
    return add_span_scores([tally(m, family, s, threshold, mode) for m, s in zip(messages, scores, strict=True)])


def choose_threshold(messages: Sequence[Prepared], family: str, scores: Sequence[Sequence[float]], mode: str) -> float:
    """The threshold with the best F1 whose added findings are at least `PRECISION_FLOOR` precise (inf: none is,
    so the model adds nothing)."""
    pooled = np.concatenate([np.asarray(s, dtype=float) for s in scores if len(s)])
    best_f1, best = -1.0, math.inf
    for threshold in sorted(set(np.quantile(pooled, np.linspace(0.6, 0.995, 40)).tolist())):
        added = total(messages, family, scores, threshold, "added" if mode == "both" else "model")
        if not added.predicted or added.precision < PRECISION_FLOOR:
            continue
        f1 = total(messages, family, scores, threshold, mode).f1
        if not math.isnan(f1) and f1 > best_f1:
            best_f1, best = f1, threshold
    return best


def _matrices(train: Sequence[Prepared], test: Sequence[Prepared]) -> tuple[np.ndarray, np.ndarray]:
    """Training and test sentences as rows over the training vocabulary (plus an intercept column)."""
    counts = Counter(k for m in train for _, f in m.units for k in f)
    vocabulary = {k: j + 1 for j, k in enumerate(sorted(k for k, c in counts.items() if c >= MIN_SENTENCES))}

    def matrix(messages: Sequence[Prepared]) -> np.ndarray:
        rows = [f for m in messages for _, f in m.units]
        x = np.zeros((len(rows), len(vocabulary) + 1))
        x[:, 0] = 10.0  # a large constant column is barely penalised: the intercept
        for r, f in enumerate(rows):
            for k, v in f.items():
                if (j := vocabulary.get(k)) is not None:
                    x[r, j] = v
        return x

    return matrix(train), matrix(test)


def ridge_scores(
    train: Sequence[Prepared], test: Sequence[Prepared], penalties: Sequence[float]
) -> dict[float, np.ndarray]:
    """Ridge fitted on the training sentences, one column per family: scores of the test sentences per penalty
    (one eigendecomposition serves every penalty and family)."""
    x_train, x_test = _matrices(train, test)
    y = np.array([[v for m in train for v in m.labels(fam)] for fam in SPAN_FAMILIES]).T
    values, vectors = np.linalg.eigh(x_train.T @ x_train)
    projected = vectors.T @ (x_train.T @ y)
    test_v = x_test @ vectors
    return {lam: test_v @ (projected / (values + lam)[:, None]) for lam in penalties}


def residual_curve(messages: Sequence[Prepared], penalty: float = 30.0) -> list[str]:
    """The most favourable reading: per family, a ridge fitted only on the sentences its patterns leave alone
    (what the model would have to add), scored out of fold; then, at the top 5%, 2%, 1% and 0.5% of scores, how
    many findings it adds, how precise they are and the F1 of patterns plus them. No threshold is chosen here."""
    scores: dict[str, dict[int, list[float]]] = {fam: {} for fam in SPAN_FAMILIES}
    for k in range(FOLDS):
        test = [i for i, m in enumerate(messages) if fold_of(m.site, FOLDS) == k]
        train = [m for m in messages if fold_of(m.site, FOLDS) != k]
        x_train, x_test = _matrices(train, [messages[i] for i in test])
        for fam in SPAN_FAMILIES:
            left = np.array([not any(_overlaps(s, p) for p in m.patterns[fam]) for m in train for s, _ in m.units])
            y = np.array([v for m in train for v in m.labels(fam)])[left]
            x = x_train[left]
            weights = np.linalg.solve(x.T @ x + penalty * np.eye(x.shape[1]), x.T @ y)
            for i, s in zip(test, _split(x_test @ weights, [messages[i] for i in test]), strict=True):
                scores[fam][i] = s.tolist()
    lines = [
        "| family | patterns F1 | top 5%: added, P, F1 | top 2% | top 1% | top 0.5% |",
        "|---|---|---|---|---|---|",
    ]
    for fam in SPAN_FAMILIES:
        ordered = [scores[fam][i] for i in range(len(messages))]
        pooled = np.concatenate([np.asarray(s) for s in ordered if s])
        cells = [f"{total(messages, fam, ordered, 0.0, 'patterns').f1:.2f}"]
        for q in (0.95, 0.98, 0.99, 0.995):
            threshold = float(np.quantile(pooled, q))
            added = total(messages, fam, ordered, threshold, "added")
            both = total(messages, fam, ordered, threshold, "both")
            cells.append(f"{added.predicted}, {added.precision:.2f}, {both.f1:.2f}".replace("nan", "-"))
        lines.append(f"| {fam} | " + " | ".join(cells) + " |")
    return lines


def _split(scores: np.ndarray, messages: Sequence[Prepared]) -> list[np.ndarray]:
    out, row = [], 0
    for m in messages:
        out.append(scores[row : row + len(m.units)])
        row += len(m.units)
    return out


def cross_validate(messages: Sequence[Prepared]) -> dict[str, dict[str, SpanScore]]:
    """Per family and mode, the span counts on every outer test fold, added up."""
    modes = ("patterns", "model", "both", "added")
    kept: dict[str, dict[str, list[SpanScore]]] = {fam: {m: [] for m in modes} for fam in SPAN_FAMILIES}
    for k in range(FOLDS):
        test = [m for m in messages if fold_of(m.site, FOLDS) == k]
        train = [m for m in messages if fold_of(m.site, FOLDS) != k]
        inner: dict[float, list[np.ndarray]] = {lam: [] for lam in PENALTIES}
        ordered: list[Prepared] = []
        for j in range(INNER_FOLDS):
            held = [m for m in train if fold_of(m.site, INNER_FOLDS, "inner") == j]
            fitted = ridge_scores([m for m in train if fold_of(m.site, INNER_FOLDS, "inner") != j], held, PENALTIES)
            for lam in PENALTIES:
                inner[lam].extend(_split(fitted[lam], held))
            ordered.extend(held)
        outer = {lam: _split(s, test) for lam, s in ridge_scores(train, test, PENALTIES).items()}
        for column, fam in enumerate(SPAN_FAMILIES):
            kept[fam]["patterns"].append(total(test, fam, [[]] * len(test), 0.0, "patterns"))
            for mode in ("model", "both"):
                choices = []
                for lam in PENALTIES:
                    scores = [s[:, column].tolist() for s in inner[lam]]
                    threshold = choose_threshold(ordered, fam, scores, mode)
                    f1 = total(ordered, fam, scores, threshold, mode).f1
                    choices.append((0.0 if math.isnan(f1) else f1, -lam, threshold))
                _, lam, threshold = max(choices)
                scores = [s[:, column].tolist() for s in outer[-lam]]
                kept[fam][mode].append(total(test, fam, scores, threshold, mode))
                if mode == "both":
                    kept[fam]["added"].append(total(test, fam, scores, threshold, "added"))
    return {fam: {m: add_span_scores(v) for m, v in by_mode.items()} for fam, by_mode in kept.items()}


def _cell(s: SpanScore) -> str:
    return f"{s.precision:.2f} / {s.recall:.2f} / {s.f1:.2f}".replace("nan", "-")


def table(results: dict[str, dict[str, SpanScore]]) -> str:
    lines = [
        "| family | patterns P / R / F1 | model | patterns + model | added by the model: n, P |",
        "|---|---|---|---|---|",
    ]
    for fam, by_mode in [*results.items(), ("all", _all(results))]:
        added = by_mode["added"]
        precision = "-" if math.isnan(added.precision) else f"{added.precision:.2f}"
        lines.append(
            f"| {fam} | {_cell(by_mode['patterns'])} | {_cell(by_mode['model'])} | {_cell(by_mode['both'])} "
            f"| {added.predicted}, {precision} |"
        )
    return "\n".join(lines)


def _all(results: dict[str, dict[str, SpanScore]]) -> dict[str, SpanScore]:
    modes = next(iter(results.values())).keys()
    return {m: add_span_scores([by_mode[m] for by_mode in results.values()]) for m in modes}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m evals.span_cv", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--residual", action="store_true", help="instead: what a model of the sentences patterns miss would add"
    )
    args = parser.parse_args(argv)
    from reviewer.config import Settings
    from reviewer.service import rubric_for

    rubric = rubric_for(Settings())
    messages = [prepare(ex, rubric) for ex in load_examples("dev", _REALISTIC)]
    print(f"realistic dev: {len(messages)} messages, {len({m.site for m in messages})} sites, {FOLDS} folds by site")
    print("\n".join(residual_curve(messages)) if args.residual else table(cross_validate(messages)))


if __name__ == "__main__":
    main()
