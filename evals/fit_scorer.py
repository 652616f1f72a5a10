"""Fit the rules engine's scorer on the development split of messages written by others.

    python -m evals.fit_scorer            # fit, print cross-validated figures, write prompts/rubric/scorer.json
    python -m evals.fit_scorer --dry-run  # fit and print, write nothing

One ridge regression per dimension (and overall) over the features `reviewer.scorer.review_features` computes from
a rules analysis. The penalty is chosen by cross-validation grouped by source (a source's messages never sit on
both sides of a fold), so the choice rewards what generalises to new writers. Only the development split is read:
the test split is never seen here. Deterministic: the same data and rubric give the same weights.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from evals.metrics import spearman
from evals.runner import Example, load_labelled
from reviewer.config import Settings
from reviewer.engines.rules import analyse
from reviewer.models import Message
from reviewer.prompts import rubric_dir
from reviewer.rubric import Rubric, load_rubric
from reviewer.scorer import SCORER_FILE, DimensionWeights, FittedScorer

TARGETS = ("transparency", "empathy", "accountability", "solutions", "limited_excuses", "overall")
ALPHAS = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0)
FOLDS = 5
MIN_SEEN = 3
"""A feature must be non-zero in this many development messages to get a weight (rarer ones would be noise)."""


def evidence_rubric() -> Rubric:
    """The shipped rubric without its fitted weights: features must not depend on the weights being fitted."""
    rubric = load_rubric([rubric_dir(Settings().prompts_dir)])
    return Rubric(name=rubric.name, dimensions=rubric.dimensions, hash=rubric.hash, evidence=rubric.evidence)


def feature_rows(examples: Sequence[Example], rubric: Rubric) -> list[dict[str, float]]:
    return [analyse(Message(text=ex.text), rubric).features for ex in examples]


def _fold_of(group: str) -> int:
    return int(hashlib.sha256(group.encode()).hexdigest(), 16) % FOLDS


def _ridge(x: np.ndarray, y: np.ndarray, alpha: float) -> tuple[float, np.ndarray]:
    """Ridge on standardised columns; the intercept is not penalised."""
    mean_y = float(y.mean())
    gram = x.T @ x + alpha * np.eye(x.shape[1])
    coef = np.linalg.solve(gram, x.T @ (y - mean_y))
    return mean_y, coef


def fit(examples: Sequence[Example], rubric: Rubric) -> tuple[FittedScorer, dict[str, Any]]:
    rows = feature_rows(examples, rubric)
    names = sorted({k for row in rows for k, v in row.items() if v})
    names = [n for n in names if sum(1 for row in rows if row.get(n)) >= MIN_SEEN]
    raw = np.array([[row.get(n, 0.0) for n in names] for row in rows])
    means = raw.mean(axis=0)
    scales = raw.std(axis=0)
    scales[scales == 0] = 1.0
    x = (raw - means) / scales
    folds = np.array([_fold_of(ex.source or ex.id) for ex in examples])
    report: dict[str, Any] = {"n": len(examples), "features": len(names), "dimensions": {}}
    weights: dict[str, DimensionWeights] = {}
    for target in TARGETS:
        y = np.array([float(ex.gold[target]) for ex in examples])
        best: tuple[float, float, list[float]] | None = None
        for alpha in ALPHAS:
            predicted = np.zeros_like(y)
            for fold in range(FOLDS):
                train, held = folds != fold, folds == fold
                if not held.any() or not train.any():
                    continue
                intercept, coef = _ridge(x[train], y[train], alpha)
                predicted[held] = np.clip(intercept + x[held] @ coef, 1, 5)
            rho = spearman(list(y), list(predicted))
            if best is None or rho > best[0] + 1e-9:
                best = (rho, alpha, list(predicted))
        assert best is not None
        rho, alpha, _ = best
        intercept, coef = _ridge(x, y, alpha)
        weights[target] = DimensionWeights(
            intercept=intercept,
            coefficients={n: float(c) for n, c in zip(names, coef, strict=True) if abs(c) > 1e-6},
        )
        report["dimensions"][target] = {"alpha": alpha, "cv_spearman": round(rho, 3)}
    scorer = FittedScorer(
        features=tuple(names),
        means={n: float(m) for n, m in zip(names, means, strict=True)},
        scales={n: float(s) for n, s in zip(names, scales, strict=True)},
        dimensions=weights,
        source=f"evals.fit_scorer on {len(examples)} development messages",
    )
    return scorer, report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.fit_scorer", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, action="append", help="labelled JSONL to fit on (default: realistic dev)")
    parser.add_argument("--out", type=Path, help="where to write the weights (default: prompts/rubric/scorer.json)")
    parser.add_argument("--dry-run", action="store_true", help="print the figures, write nothing")
    args = parser.parse_args(argv)
    from evals.runner import REALISTIC_DEV

    paths = args.data or [REALISTIC_DEV]
    examples = [ex for path in paths for ex in load_labelled(path)]
    if not examples:
        print("fit_scorer: no examples", file=sys.stderr)
        return 2
    scorer, report = fit(examples, evidence_rubric())
    print(json.dumps(report, indent=2))
    if not args.dry_run:
        out = args.out or rubric_dir(Settings().prompts_dir) / SCORER_FILE
        out.write_text(scorer.to_json(), encoding="utf-8")
        print(f"fit_scorer: wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
