"""Compare model forms for the fitted scorer on the realistic development split, by the fit's own cross-validation.

    python -m evals.scorer_forms               # one table row per candidate (about 15 minutes on 2 busy cores)
    python -m evals.scorer_forms trees "mean"  # the current ridge and the candidates whose names contain a word
    python -m evals.scorer_forms --salt 1 ...  # another grouping of the sites into folds

Every candidate reads the same features (`reviewer.scorer.review_features`, plus a few cheap interactions for the
candidates that say so), the same folds grouped by source site as `evals.fit_scorer`, and the project's own
development examples at the same half weight. Each candidate's few settings are chosen by the same held-out Spearman
the current ridge fit uses to choose its penalty, so no form gets more chances than another. The overall figures
(verdict accuracy, poor messages sent, good ones blocked) come from the held-out overall prediction, stretched and
gated exactly as the fit does. Only the development split is read: the test split is never seen here.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

import numpy as np

from evals.fit_scorer import (
    ALPHAS,
    BLOCK_BELOW,
    FOLDS,
    OWN_WEIGHT,
    SEND_AT,
    TARGETS,
    WORD_SCALES,
    _fold_of,
    evidence_rubric,
    feature_names,
    feature_rows,
    gate_knots,
)
from evals.metrics import spearman
from evals.runner import DATA_DIR, REALISTIC_DEV, load_labelled
from reviewer.scorer import WORD_PREFIX


@dataclass
class Data:
    names: list[str]
    raw: np.ndarray  # every row: realistic dev first, then own dev
    standard: np.ndarray
    is_word: np.ndarray
    n: int  # realistic rows
    folds: np.ndarray
    gold: dict[str, np.ndarray]  # every row
    verdicts: list[str]
    weights: np.ndarray  # every row: 1 for messages by others, OWN_WEIGHT for the project's own


INTERACTIONS: dict[str, Callable[[dict[str, float]], float]] = {
    # A reply to a complaint that never acknowledges, apologises or owns anything.
    "x:complaint_unanswered": lambda r: (
        r.get("news:complaint", 0.0)
        * (r.get("missing:complaint_acknowledgement", 0.0) or float(not r.get("text:apology_words", 0.0)))
    ),
    # News of a failure with neither an owner nor a new date.
    "x:failure_no_owner_no_date": lambda r: (
        r.get("news:failure", 0.0) * r.get("missing:owner", 0.0) * r.get("missing:new_date", 0.0)
    ),
    "x:failure_no_apology": lambda r: r.get("news:failure", 0.0) * float(not r.get("text:apology_words", 0.0)),
    "x:complaint_hostile": lambda r: r.get("news:complaint", 0.0) * min(r.get("family:hostile_tone", 0.0), 1.0),
    "x:complaint_second_person": lambda r: r.get("news:complaint", 0.0) * r.get("text:second_person", 0.0),
    "x:complaint_negation": lambda r: r.get("news:complaint", 0.0) * r.get("text:negation", 0.0),
    "x:failure_causes": lambda r: r.get("news:failure", 0.0) * r.get("text:causes", 0.0),
    # Cheap genre cues: a notice to everyone (no greeting, mostly "we"), a short reply.
    "x:notice": lambda r: float(not r.get("text:greeting", 0.0)) * float(r.get("text:second_person", 0.0) < 0.3),
    "x:short_reply": lambda r: float(r.get("text:log_words", 0.0) < 4.0),
}


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
_TOKEN = re.compile(r"[a-z][a-z']+")


def opening_words(text: str) -> dict[str, float]:
    """The words of the first sentence after any greeting: how a message opens (an apology, thanks for the review,
    a defence) says much of its stance."""
    sentences = [m.group().strip() for m in _SENTENCE.finditer(text) if len(m.group().split()) >= 3]
    if not sentences:
        return {}
    return {f"open:{w}": 1.0 for w in set(_TOKEN.findall(sentences[0].lower()))}


FOLD_SALT = [""]
"""Appended to each site before it is hashed to a fold: another salt is another grouping of the same sites into
five folds, to see whether a gain holds beyond one split (the fit itself always uses none)."""


def load(interactions: bool = False, opening: bool = False) -> Data:
    examples = load_labelled(REALISTIC_DEV)
    extra = load_labelled(DATA_DIR / "dev.jsonl")
    rubric = evidence_rubric()
    every = feature_rows(examples, rubric) + feature_rows(extra, rubric)
    if opening:
        for row, ex in zip(every, [*examples, *extra], strict=True):
            row.update(opening_words(ex.text))
    if interactions:
        for row in every:
            row.update({name: f(row) for name, f in INTERACTIONS.items()})
    names = feature_names(every, (WORD_PREFIX, "open:"))
    raw = np.array([[row.get(n, 0.0) for n in names] for row in every])
    scales = raw.std(axis=0)
    scales[scales == 0] = 1.0
    standard = (raw - raw.mean(axis=0)) / scales
    return Data(
        names=names,
        raw=raw,
        standard=standard,
        is_word=np.array([n.startswith((WORD_PREFIX, "open:")) for n in names]),
        n=len(examples),
        folds=np.array([_fold_of((ex.source or ex.id) + FOLD_SALT[0]) for ex in examples]),
        gold={t: np.array([float(ex.gold[t]) for ex in [*examples, *extra]]) for t in TARGETS},
        verdicts=[ex.verdict for ex in examples],
        weights=np.concatenate([np.ones(len(examples)), np.full(len(extra), OWN_WEIGHT)]),
    )


# --- gradient-boosted regression trees (numpy, for the experiment) ---------------------------------------------


@dataclass(frozen=True)
class Tree:
    """Nodes in preorder: (feature column, threshold, left, right) for a split, (-1, value, -1, -1) for a leaf;
    a row goes left when its raw value is <= the threshold."""

    nodes: tuple[tuple[int, float, int, int], ...]

    def predict(self, raw: np.ndarray) -> np.ndarray:
        out = np.zeros(len(raw))
        stack = [(0, np.arange(len(raw)))]
        while stack:
            at, rows = stack.pop()
            feature, threshold, left, right = self.nodes[at]
            if feature < 0:
                out[rows] = threshold
                continue
            go_left = raw[rows, feature] <= threshold
            stack.append((left, rows[go_left]))
            stack.append((right, rows[~go_left]))
        return out


def bin_edges(raw: np.ndarray, max_bins: int = 16) -> list[np.ndarray]:
    """Candidate thresholds per column: midpoints between distinct quantile values."""
    edges = []
    for column in raw.T:
        values = np.unique(np.quantile(column, np.linspace(0, 1, max_bins + 1)))
        edges.append((values[:-1] + values[1:]) / 2)
    return edges


def binned(raw: np.ndarray, edges: list[np.ndarray]) -> np.ndarray:
    return np.stack([np.searchsorted(e, raw[:, j], side="left") for j, e in enumerate(edges)], axis=1)


def grow_tree(
    bins: np.ndarray,
    edges: list[np.ndarray],
    residual: np.ndarray,
    weight: np.ndarray,
    *,
    depth: int,
    min_leaf: float,
    l2: float,
    rate: float,
) -> Tree:
    n_bins = max(len(e) for e in edges) + 1
    features = bins.shape[1]
    offsets = np.arange(features) * n_bins
    nodes: list[tuple[int, float, int, int]] = []

    def build(rows: np.ndarray, level: int) -> int:
        at = len(nodes)
        g, h = float(np.sum(weight[rows] * residual[rows])), float(np.sum(weight[rows]))
        nodes.append((-1, rate * g / (h + l2), -1, -1))
        if level >= depth or h < 2 * min_leaf:
            return at
        flat = (bins[rows] + offsets).ravel()
        gw = np.bincount(flat, weights=np.repeat(weight[rows] * residual[rows], features), minlength=features * n_bins)
        hw = np.bincount(flat, weights=np.repeat(weight[rows], features), minlength=features * n_bins)
        gl = np.cumsum(gw.reshape(features, n_bins), axis=1)[:, :-1]
        hl = np.cumsum(hw.reshape(features, n_bins), axis=1)[:, :-1]
        gr, hr = g - gl, h - hl
        ok = (hl >= min_leaf) & (hr >= min_leaf)
        gain = np.where(ok, gl**2 / (hl + l2) + gr**2 / (hr + l2) - g**2 / (h + l2), -np.inf)
        best = int(np.argmax(gain))
        if not np.isfinite(gain.flat[best]) or gain.flat[best] <= 1e-9:
            return at
        feature, cut = divmod(best, n_bins - 1)
        if cut >= len(edges[feature]):
            return at
        go_left = bins[rows, feature] <= cut
        left = build(rows[go_left], level + 1)
        right = build(rows[~go_left], level + 1)
        nodes[at] = (feature, float(edges[feature][cut]), left, right)
        return at

    build(np.arange(len(residual)), 0)
    return Tree(tuple(nodes))


def boost(
    raw: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray,
    start: np.ndarray,
    *,
    trees: int,
    depth: int,
    rate: float,
    min_leaf: float = 15.0,
    l2: float = 5.0,
) -> tuple[list[Tree], list[np.ndarray]]:
    edges = bin_edges(raw)
    bins = binned(raw, edges)
    current = start.copy()
    ensemble = []
    for _ in range(trees):
        tree = grow_tree(bins, edges, y - current, weight, depth=depth, min_leaf=min_leaf, l2=l2, rate=rate)
        current += tree.predict(raw)
        ensemble.append(tree)
    return ensemble, edges


def ensemble_predict(ensemble: Sequence[Tree], raw: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.sum([t.predict(raw) for t in ensemble], axis=0) if ensemble else np.zeros(len(raw))
    return out


# --- candidates: each returns held-out predictions for the realistic rows, for one target -----------------------

Predictor = Callable[[Data, str], np.ndarray]


def _split(d: Data, fold: int) -> tuple[np.ndarray, np.ndarray]:
    train = np.concatenate([d.folds != fold, np.ones(len(d.weights) - d.n, dtype=bool)])
    held = np.concatenate([d.folds == fold, np.zeros(len(d.weights) - d.n, dtype=bool)])
    return train, held


_KERNELS: dict[tuple[int, int, float], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}


def ridge_fold(
    d: Data, target: str, fold: int, word_scale: float, alpha: float, y: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(in-sample predictions for the training rows, predictions for the held-out rows): `evals.fit_scorer._ridge`
    exactly, solved in its dual form (one eigendecomposition per fold and word scale serves every penalty)."""
    key = (id(d), fold, word_scale)
    if key not in _KERNELS:
        x = d.standard * np.where(d.is_word, word_scale, 1.0)
        train, held = _split(d, fold)
        root = np.sqrt(d.weights[train])
        a = root[:, None] * x[train]
        s, u = np.linalg.eigh(a @ a.T)
        _KERNELS[key] = (a, s, u, x[train], x[held])
    a, s, u, x_train, x_held = _KERNELS[key]
    train, _ = _split(d, fold)
    target_y = (d.gold[target] if y is None else y)[train]
    w = d.weights[train]
    mean_y = float(np.average(target_y, weights=w))
    b = np.sqrt(w) * (target_y - mean_y)
    coef = a.T @ (u @ ((u.T @ b) / (s + alpha)))
    return mean_y + x_train @ coef, mean_y + x_held @ coef


def cross_validate(d: Data, one_fold: Callable[[int], np.ndarray]) -> np.ndarray:
    out = np.zeros(d.n)
    for fold in range(FOLDS):
        _, held = _split(d, fold)
        out[held[: d.n]] = one_fold(fold)
    return np.clip(out, 1, 5)


Setting = TypeVar("Setting")


def best_of(d: Data, target: str, settings: Sequence[Setting], run: Callable[[Setting], np.ndarray]) -> np.ndarray:
    y = d.gold[target][: d.n]
    best: tuple[float, np.ndarray] | None = None
    for setting in settings:
        predicted = run(setting)
        rho = spearman(list(y), list(predicted))
        if best is None or rho > best[0] + 1e-9:
            best = (rho, predicted)
    assert best is not None
    return best[1]


RIDGE_GRID = [(w, a) for w in WORD_SCALES for a in ALPHAS]


_RIDGE: dict[tuple[int, str], np.ndarray] = {}


def ridge(d: Data, target: str) -> np.ndarray:
    if (id(d), target) in _RIDGE:
        return _RIDGE[(id(d), target)]

    def run(setting: tuple[float, ...]) -> np.ndarray:
        w, a = setting
        return cross_validate(d, lambda fold: ridge_fold(d, target, fold, w, a)[1])

    _RIDGE[(id(d), target)] = best_of(d, target, RIDGE_GRID, run)
    return _RIDGE[(id(d), target)]


def _ridge_setting(d: Data, target: str) -> tuple[float, float]:
    """The current fit's chosen (word scale, penalty) for a target."""
    y = d.gold[target][: d.n]
    scored = []
    for w, a in RIDGE_GRID:

        def one(fold: int, w: float = w, a: float = a) -> np.ndarray:
            return ridge_fold(d, target, fold, w, a)[1]

        p = cross_validate(d, one)
        scored.append((spearman(list(y), list(p)), -RIDGE_GRID.index((w, a)), (w, a)))
    return max(scored)[2]


def trees_only(columns: str) -> Predictor:
    def predict(d: Data, target: str) -> np.ndarray:
        keep = ~d.is_word if columns == "evidence" else np.ones(len(d.names), dtype=bool)
        raw = d.raw[:, keep]
        y = d.gold[target]

        def run(setting: tuple[float, ...]) -> np.ndarray:
            depth, trees, rate = setting

            def one(fold: int) -> np.ndarray:
                train, held = _split(d, fold)
                start = float(np.average(y[train], weights=d.weights[train]))
                ensemble, _ = boost(
                    raw[train],
                    y[train],
                    d.weights[train],
                    np.full(int(train.sum()), start),
                    trees=int(trees),
                    depth=int(depth),
                    rate=rate,
                )
                return start + ensemble_predict(ensemble, raw[held])

            return cross_validate(d, one)

        grid = [(2, 100, 0.1), (3, 60, 0.1), (2, 200, 0.05), (3, 120, 0.05)]
        if columns != "evidence":
            grid = grid[:1]  # about 30 times the columns: one setting
        return best_of(d, target, grid, run)

    return predict


def ridge_then_trees(d: Data, target: str) -> np.ndarray:
    """Ridge as it is, then trees over the evidence (no words) fitted to its in-sample residuals."""
    w, a = _ridge_setting(d, target)
    raw = d.raw[:, ~d.is_word]
    y = d.gold[target]

    def run(setting: tuple[float, ...]) -> np.ndarray:
        depth, trees, rate = setting

        def one(fold: int) -> np.ndarray:
            train, held = _split(d, fold)
            fitted, held_pred = ridge_fold(d, target, fold, w, a)
            ensemble, _ = boost(
                raw[train], y[train], d.weights[train], fitted, trees=int(trees), depth=int(depth), rate=rate
            )
            out: np.ndarray = held_pred + ensemble_predict(ensemble, raw[held])
            return out

        return cross_validate(d, one)

    return best_of(d, target, [(2, 20, 0.05), (2, 40, 0.05), (3, 20, 0.05), (3, 40, 0.05)], run)


def blend(d: Data, target: str) -> np.ndarray:
    """Average of the ridge and of trees over the evidence, the share of trees chosen by held-out Spearman."""
    r = ridge(d, target)
    t = trees_only("evidence")(d, target)
    return best_of(d, target, [0.25, 0.5], lambda share: (1 - share) * r + share * t)


def rank_target(d: Data, target: str) -> np.ndarray:
    """A ranking objective the ridge can fit: the gold replaced by its rank (as a 1-5 spread), so a fold is fitted
    to order messages rather than to their distances."""
    y = d.gold[target]
    order = np.argsort(np.argsort(y[: d.n], kind="stable"), kind="stable")
    ranks_dev = 1 + 4 * order / max(d.n - 1, 1)
    # Own examples: put on the same rank scale by where their gold falls among the realistic ones.
    sorted_dev = np.sort(y[: d.n])
    ranks_own = 1 + 4 * np.searchsorted(sorted_dev, y[d.n :]) / max(d.n - 1, 1)
    ranked = np.concatenate([ranks_dev, ranks_own])

    def run(setting: tuple[float, ...]) -> np.ndarray:
        w, a = setting
        return cross_validate(d, lambda fold: ridge_fold(d, target, fold, w, a, ranked)[1])

    return best_of(d, target, RIDGE_GRID, run)


def pairwise(d: Data, target: str) -> np.ndarray:
    """A linear model fitted to a pairwise logistic loss (RankNet) with an L2 penalty, then mapped onto the 1-5 scale
    by a least-squares line on its training rows."""
    y = d.gold[target]
    rng = np.random.default_rng(0)

    def fit_fold(fold: int, word_scale: float, l2: float) -> np.ndarray:
        x = d.standard * np.where(d.is_word, word_scale, 1.0)
        train, held = _split(d, fold)
        idx = np.flatnonzero(train)
        i = rng.choice(idx, 12000)
        j = rng.choice(idx, 12000)
        keep = np.abs(y[i] - y[j]) >= 0.5
        i, j = i[keep], j[keep]
        sign = np.sign(y[i] - y[j])
        pw = d.weights[i] * d.weights[j]
        diff = x[i] - x[j]
        coef = np.zeros(x.shape[1])
        step = 0.5
        for _ in range(100):
            margin = sign * (diff @ coef)
            p = 1 / (1 + np.exp(np.clip(margin, -30, 30)))
            grad = -(diff.T @ (pw * sign * p)) / pw.sum() + l2 * coef
            coef -= step * grad
        s_train = x[train] @ coef
        slope, intercept = np.polyfit(s_train, y[train], 1, w=d.weights[train])
        out: np.ndarray = intercept + slope * (x[held] @ coef)
        return out

    def run(setting: tuple[float, ...]) -> np.ndarray:
        w, l2 = setting
        return cross_validate(d, lambda fold: fit_fold(fold, w, l2))

    return best_of(d, target, [(0.5, 0.01), (0.5, 0.003)], run)


def shared_factor(d: Data, target: str) -> np.ndarray:
    """Each target's held-out ridge prediction pulled toward the mean of all six (what the dimensions share): still
    one linear model per target, so it ships as ridge weights."""
    own = ridge(d, target)
    common = np.mean([ridge(d, t) for t in TARGETS], axis=0)
    return best_of(d, target, [0.0, 0.25, 0.5, 0.75], lambda b: (1 - b) * own + b * common)


def smoothed_target(d: Data, target: str) -> np.ndarray:
    """Ridge fitted to the target's gold mixed with the mean of all six golds (less rater noise per target); scored
    against the target's own gold."""
    common = np.mean([d.gold[t] for t in TARGETS], axis=0)

    def run(setting: tuple[float, ...]) -> np.ndarray:
        b, w, a = setting
        y = (1 - b) * d.gold[target] + b * common
        return cross_validate(d, lambda fold: ridge_fold(d, target, fold, w, a, y)[1])

    return best_of(d, target, [(b, w, a) for b in (0.25, 0.5) for w, a in RIDGE_GRID], run)


# --- figures --------------------------------------------------------------------------------------------------


def overall_figures(d: Data, held_out: np.ndarray) -> dict[str, float]:
    """Verdict accuracy, poor messages sent and good ones blocked from the held-out overall prediction, stretched
    and gated as `evals.fit_scorer.fit` does."""
    y = d.gold["overall"][: d.n]
    spread = float(np.var(held_out))
    stretch = float(np.cov(y, held_out, bias=True)[0, 1] / spread) if spread > 0 else 1.0
    stretch = min(max(stretch, 1.0), 3.0)
    centre = float(np.mean(held_out))
    stretched = centre + stretch * (held_out - centre)
    knots = gate_knots(stretched, y, d.verdicts)
    scores = np.interp(stretched, [a for a, _ in knots], [b for _, b in knots])
    said = np.where(scores < BLOCK_BELOW, "block", np.where(scores >= SEND_AT, "send", "revise"))
    return {
        "verdict": float(np.mean(said == np.array(d.verdicts))),
        "poor_sent": int(np.sum((said == "send") & (y <= 2))),
        "good_blocked": int(np.sum((said == "block") & (y >= 4))),
    }


def _ranks(v: np.ndarray) -> np.ndarray:
    order = np.argsort(v, kind="stable")
    sorted_v = v[order]
    _, first, counts = np.unique(sorted_v, return_index=True, return_counts=True)
    average = first + (counts - 1) / 2 + 1  # 1-based, as metrics.spearman
    ranks = np.empty(len(v))
    ranks[order] = np.repeat(average, counts)
    return ranks


def _rho(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(_ranks(a), _ranks(b))[0, 1])


SITES: list[str] = []
CURRENT: dict[str, np.ndarray] = {}


def gain_interval(d: Data, held_out: np.ndarray, resamples: int = 500) -> tuple[float, float]:
    """A 90% interval for (this candidate's held-out overall Spearman) - (the current ridge's), resampling source
    sites (a site's messages go in and out together), so it says how much of a gain is the sample's luck."""
    if "overall" not in CURRENT:
        return (0.0, 0.0)
    rng = np.random.default_rng(0)
    sites = np.array(SITES)
    unique = np.unique(sites)
    members = {s: np.flatnonzero(sites == s) for s in unique}
    y = d.gold["overall"][: d.n]
    gains = []
    for _ in range(resamples):
        rows = np.concatenate([members[s] for s in rng.choice(unique, len(unique))])
        gains.append(_rho(y[rows], held_out[rows]) - _rho(y[rows], CURRENT["overall"][rows]))
    low, high = np.quantile(gains, [0.05, 0.95])
    return float(low), float(high)


def row(d: Data, name: str, predict: Predictor, overall_from_dims: bool = False) -> dict[str, object]:
    held = {t: predict(d, t) for t in TARGETS if t != "overall" or not overall_from_dims}
    if overall_from_dims:
        held["overall"] = np.mean([held[t] for t in TARGETS if t != "overall"], axis=0)
    out: dict[str, object] = {"candidate": name}
    for t in TARGETS:
        out[t] = spearman(list(d.gold[t][: d.n]), list(held[t]))
    out.update(overall_figures(d, held["overall"]))
    if not CURRENT:
        CURRENT.update(held)
    out["gain"] = gain_interval(d, held["overall"])
    print(format_row(out), flush=True)
    return out


HEADER = ["candidate", *TARGETS, "verdict", "poor_sent", "good_blocked", "overall gain, 90% by site"]


def format_row(r: dict[str, object]) -> str:
    cells = [str(r["candidate"])]
    cells += [f"{float(r[t]):.3f}" for t in (*TARGETS, "verdict")]  # type: ignore[arg-type]
    cells += [str(r["poor_sent"]), str(r["good_blocked"])]
    low, high = cast(tuple[float, float], r["gain"])
    cells.append(f"{low:+.3f} to {high:+.3f}")
    return "| " + " | ".join(cells) + " |"


def main(argv: Sequence[str] | None = None) -> int:
    words = list(argv if argv is not None else sys.argv[1:])
    if "--salt" in words:
        at = words.index("--salt")
        FOLD_SALT[0] = words[at + 1]
        del words[at : at + 2]
    only = set(words)
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    plain = load()
    SITES.extend(ex.source or ex.id for ex in load_labelled(REALISTIC_DEV))
    with_x = load(interactions=True)
    with_open = load(opening=True)

    def mean_of(a: Predictor, b: Predictor) -> Predictor:
        return lambda d, t: (a(d, t) + b(d, t)) / 2

    candidates: list[tuple[str, Data, Predictor, bool]] = [
        ("ridge (current)", plain, ridge, False),
        ("ridge + interactions", with_x, ridge, False),
        ("ridge, overall = mean of dimensions", plain, ridge, True),
        ("ridge, overall = (direct + mean of dims) / 2", plain, ridge, False),
        ("ridge on ranks", plain, rank_target, False),
        ("pairwise logistic (RankNet, linear)", plain, pairwise, False),
        ("trees over the evidence", plain, trees_only("evidence"), False),
        ("trees over evidence + words", plain, trees_only("all"), False),
        ("ridge pulled toward the shared factor", plain, shared_factor, False),
        ("ridge pulled toward the shared factor, overall = mean of dims", plain, shared_factor, True),
        ("ridge on smoothed targets", plain, smoothed_target, False),
        ("ridge + interactions, overall = mean of dims", with_x, ridge, True),
        ("ridge + opening words", with_open, ridge, False),
        ("ridge + opening words, overall = mean of dims", with_open, ridge, True),
        (
            "ridge + opening words, pulled toward the shared factor, overall = mean of dims",
            with_open,
            shared_factor,
            True,
        ),
        ("ridge + opening words, then trees, overall = mean of dims", with_open, ridge_then_trees, True),
        ("ridge, then trees on its residuals", plain, ridge_then_trees, False),
        ("ridge + interactions, then trees", with_x, ridge_then_trees, False),
        ("blend ridge / trees", plain, blend, False),
    ]
    for name, data, predict, from_dims in candidates:
        if only and name != "ridge (current)" and not any(o in name for o in only):
            continue
        if name.startswith("ridge, overall = (direct"):

            def half(d: Data, t: str) -> np.ndarray:
                if t != "overall":
                    return ridge(d, t)
                dims = np.mean([ridge(d, x) for x in TARGETS if x != "overall"], axis=0)
                out: np.ndarray = (ridge(d, "overall") + dims) / 2
                return out

            row(data, name, half, False)
            continue
        row(data, name, predict, from_dims)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
