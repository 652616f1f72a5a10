"""The fit's cross-validation in closed (dual) form predicts what a primal ridge per fold would."""

from __future__ import annotations

import numpy as np

from evals.fit_scorer import ALPHAS, FOLDS, OWN_WEIGHT, WORD_SCALES, _ridge, held_out_predictions


def test_dual_form_cv_predicts_as_the_primal_ridge() -> None:
    rng = np.random.default_rng(7)
    n, extra, p = 60, 8, 12
    standard = rng.normal(size=(n + extra, p))
    is_word = np.arange(p) >= 8
    folds = np.arange(n) % FOLDS
    y = standard[:, 0] - standard[:, 9] + rng.normal(size=n + extra) + 3
    got = held_out_predictions(standard, is_word, folds, {"overall": y})["overall"]
    assert set(got) == {(w, a) for w in WORD_SCALES for a in ALPHAS}
    for word_scale in WORD_SCALES:
        for alpha in ALPHAS:
            x = standard * np.where(is_word, word_scale, 1.0)
            expected = np.zeros(n)
            for fold in range(FOLDS):
                train = np.concatenate([np.flatnonzero(folds != fold), np.arange(n, n + extra)])
                intercept, coef = _ridge(x[train], y[train], np.where(train < n, 1.0, OWN_WEIGHT), alpha)
                held = folds == fold
                expected[held] = np.clip(intercept + x[:n][held] @ coef, 1, 5)
            np.testing.assert_allclose(got[(word_scale, alpha)], expected, rtol=1e-9, atol=1e-9)
    assert not np.allclose(got[(WORD_SCALES[0], ALPHAS[0])], got[(WORD_SCALES[0], ALPHAS[-1])])
