"""Agreement metrics, pure Python (no numpy/scipy): Spearman, quadratic weighted kappa, MAE, within-1, bootstrap
confidence intervals, confusion matrices and span precision/recall/F1."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass


def _ranks(values: Sequence[float]) -> list[float]:
    """Average ranks (ties share the mean of their positions), as Spearman's rho needs."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        mean_rank = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[order[k]] = mean_rank
        i = j + 1
    return ranks


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    n = len(x)
    if n < 2:
        return float("nan")
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx == 0 or syy == 0:
        return float("nan")
    return sxy / math.sqrt(sxx * syy)


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    return pearson(_ranks(x), _ranks(y))


def quadratic_weighted_kappa(gold: Sequence[int], pred: Sequence[int], low: int = 1, high: int = 5) -> float:
    """Cohen's kappa with quadratic weights on an ordinal 1-5 scale (1 = perfect, 0 = chance)."""
    k = high - low + 1
    n = len(gold)
    if n == 0:
        return float("nan")
    observed = [[0.0] * k for _ in range(k)]
    for g, p in zip(gold, pred, strict=True):
        observed[g - low][p - low] += 1
    gold_hist = [sum(row) for row in observed]
    pred_hist = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    num = den = 0.0
    for i in range(k):
        for j in range(k):
            weight = (i - j) ** 2 / (k - 1) ** 2
            expected = gold_hist[i] * pred_hist[j] / n
            num += weight * observed[i][j]
            den += weight * expected
    return 1.0 - num / den if den else float("nan")


def mae(gold: Sequence[float], pred: Sequence[float]) -> float:
    return sum(abs(g - p) for g, p in zip(gold, pred, strict=True)) / len(gold) if gold else float("nan")


def within_one(gold: Sequence[float], pred: Sequence[float]) -> float:
    return sum(abs(g - p) <= 1 for g, p in zip(gold, pred, strict=True)) / len(gold) if gold else float("nan")


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"value": _clean(self.value), "low": _clean(self.low), "high": _clean(self.high)}


def _clean(value: float) -> float:
    return round(value, 4) if not math.isnan(value) else float("nan")


def bootstrap(
    metric: Callable[[Sequence[float], Sequence[float]], float],
    gold: Sequence[float],
    pred: Sequence[float],
    *,
    resamples: int = 1000,
    seed: int = 7,
) -> Estimate:
    """The metric with a percentile bootstrap 95% interval (fixed seed: reports are reproducible)."""
    value = metric(gold, pred)
    rng = random.Random(seed)
    n = len(gold)
    samples: list[float] = []
    for _ in range(resamples):
        idx = [rng.randrange(n) for _ in range(n)]
        result = metric([gold[i] for i in idx], [pred[i] for i in idx])
        if not math.isnan(result):
            samples.append(result)
    if not samples:
        return Estimate(value, float("nan"), float("nan"))
    samples.sort()
    return Estimate(value, samples[int(0.025 * (len(samples) - 1))], samples[int(0.975 * (len(samples) - 1))])


def confusion(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, dict[str, int]]:
    """Rows are gold labels, columns predicted labels."""
    table = {g: {p: 0 for p in labels} for g in labels}
    for g, p in zip(gold, pred, strict=True):
        table[g][p] += 1
    return table


@dataclass(frozen=True)
class SpanScore:
    predicted: int
    gold: int
    matched_predicted: int
    matched_gold: int

    @property
    def precision(self) -> float:
        return self.matched_predicted / self.predicted if self.predicted else float("nan")

    @property
    def recall(self) -> float:
        return self.matched_gold / self.gold if self.gold else float("nan")

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        if math.isnan(p) or math.isnan(r) or p + r == 0:
            return 0.0 if (self.predicted or self.gold) else float("nan")
        return 2 * p * r / (p + r)

    def as_dict(self) -> dict[str, float | int]:
        return {
            "predicted": self.predicted,
            "gold": self.gold,
            "precision": _clean(self.precision),
            "recall": _clean(self.recall),
            "f1": _clean(self.f1),
        }


def span_score(gold: Sequence[tuple[int, int]], predicted: Sequence[tuple[int, int]]) -> SpanScore:
    """Overlap matching: a predicted span counts if it overlaps a gold span of the same family, and vice versa.

    Overlap rather than exact boundaries, because "due to the vendor" and "due to the vendor's late delivery" point
    the writer at the same phrase; the report shows both so boundary disagreements stay visible.
    """

    def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
        return a[0] < b[1] and b[0] < a[1]

    matched_pred = sum(any(overlaps(p, g) for g in gold) for p in predicted)
    matched_gold = sum(any(overlaps(g, p) for p in predicted) for g in gold)
    return SpanScore(len(predicted), len(gold), matched_pred, matched_gold)


def add_span_scores(scores: Sequence[SpanScore]) -> SpanScore:
    return SpanScore(
        sum(s.predicted for s in scores),
        sum(s.gold for s in scores),
        sum(s.matched_predicted for s in scores),
        sum(s.matched_gold for s in scores),
    )
