"""The model-form comparison (`evals.scorer_forms`): its pieces compute what the README's table says they do."""

from __future__ import annotations

import numpy as np

from evals.fit_scorer import _ridge
from evals.metrics import spearman
from evals.scorer_forms import (
    Data,
    _ranks,
    _rho,
    bin_edges,
    binned,
    boost,
    ensemble_predict,
    grow_tree,
    opening_words,
    ridge_fold,
)


def _synthetic(n: int = 120, own: int = 20, features: int = 8, seed: int = 1) -> Data:
    rng = np.random.default_rng(seed)
    raw = rng.normal(size=(n + own, features))
    y = np.clip(3 + raw[:, 0] - 0.5 * raw[:, 1] + 0.2 * rng.normal(size=n + own), 1, 5)
    return Data(
        names=[f"f{i}" for i in range(features)],
        raw=raw,
        standard=(raw - raw.mean(axis=0)) / raw.std(axis=0),
        is_word=np.array([i >= features - 3 for i in range(features)]),
        n=n,
        folds=np.arange(n) % 5,
        gold={"overall": y},
        verdicts=["revise"] * n,
        weights=np.concatenate([np.ones(n), np.full(own, 0.5)]),
    )


def test_the_dual_ridge_is_the_fits_own_ridge() -> None:
    d = _synthetic()
    for fold, word_scale, alpha in ((0, 0.3, 30.0), (3, 1.0, 3.0)):
        train_fit, held_fit = ridge_fold(d, "overall", fold, word_scale, alpha)
        train = np.concatenate([d.folds != fold, np.ones(20, dtype=bool)])
        held = np.concatenate([d.folds == fold, np.zeros(20, dtype=bool)])
        x = d.standard * np.where(d.is_word, word_scale, 1.0)
        intercept, coef = _ridge(x[train], d.gold["overall"][train], d.weights[train], alpha)
        assert np.allclose(held_fit, intercept + x[held] @ coef)
        assert np.allclose(train_fit, intercept + x[train] @ coef)


def test_a_tree_finds_a_step_and_boosting_learns_it() -> None:
    rng = np.random.default_rng(0)
    raw = rng.uniform(0, 10, size=(300, 3))
    y = np.where(raw[:, 1] > 6.0, 4.0, 2.0)
    edges = bin_edges(raw)
    tree = grow_tree(binned(raw, edges), edges, y - 3.0, np.ones(300), depth=1, min_leaf=5, l2=0.0, rate=1.0)
    feature, threshold, _, _ = tree.nodes[0]
    assert feature == 1 and 5.0 < threshold < 7.0
    ensemble, _ = boost(raw, y, np.ones(300), np.full(300, 3.0), trees=30, depth=2, rate=0.3)
    fitted = 3.0 + ensemble_predict(ensemble, raw)
    assert np.mean(np.abs(fitted - y)) < 0.2
    again, _ = boost(raw, y, np.ones(300), np.full(300, 3.0), trees=30, depth=2, rate=0.3)
    assert again == ensemble  # deterministic


def test_average_ranks_share_ties_and_give_the_suites_spearman() -> None:
    assert list(_ranks(np.array([3.0, 1.0, 3.0, 2.0]))) == [3.5, 1.0, 3.5, 2.0]
    rng = np.random.default_rng(2)
    gold, predicted = rng.integers(1, 6, 80).astype(float), rng.normal(size=80)
    assert abs(_rho(gold, predicted) - spearman(list(gold), list(predicted))) < 1e-12


def test_the_opening_words_are_the_first_real_sentence_after_a_greeting() -> None:
    words = opening_words("Hi Dana,\nThank you for your review. We stand by our food.")
    assert words == {f"open:{w}": 1.0 for w in ("thank", "you", "for", "your", "review")}
