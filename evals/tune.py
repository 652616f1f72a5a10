"""Fit rules-engine weights to the DEV split (never the test split) and print suggestions.

For each dimension, a least-squares fit of (gold - base) on capped counts of every cue family and every missing
element, so the weights in prompts/rubric/*.toml can be set from evidence rather than by feel. Suggestions only: a
person copies the ones that make sense (signs as the rubric intends, rounded to 0.25) into the files.
Usage: python -m evals.tune (needs numpy, part of the test extra)
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from evals.runner import load_examples
from reviewer.config import Settings
from reviewer.engines.rules import find_cues, run_checks
from reviewer.service import rubric_for
from reviewer.text import profile


def main() -> None:
    rubric = rubric_for(Settings())
    examples = load_examples("dev")
    rows: list[dict[str, float]] = []
    for ex in examples:
        news = profile(ex.text, rubric.lexicon.news)
        findings = find_cues(ex.text, rubric, news)
        extra, missing, _ = run_checks(ex.text, rubric, news, findings)
        feats: dict[str, float] = defaultdict(float)
        for f in findings + extra:
            feats["cue:" + f.family] = min(feats["cue:" + f.family] + 1, 2)
        for m in missing:
            feats["missing:" + m.id] = 1
        feats["problem:" + news.problem] = 1
        rows.append(feats)
    names = sorted({k for r in rows for k in r})
    X = np.array([[r.get(n, 0.0) for n in names] for r in rows])
    X1 = np.hstack([X, np.ones((len(rows), 1))])
    lam = 2.0
    for dim in [*rubric.ids, "overall"]:
        y = np.array([ex.gold[dim] for ex in examples], dtype=float)
        A = X1.T @ X1 + lam * np.eye(X1.shape[1])
        A[-1, -1] -= lam
        w = np.linalg.solve(A, X1.T @ y)
        pred = X1 @ w
        corr = np.corrcoef(pred, y)[0, 1]
        print(f"== {dim}: intercept {w[-1]:.2f}, in-sample r {corr:.2f}")
        for n, v in sorted(zip(names, w[:-1], strict=True), key=lambda t: -abs(t[1])):
            if abs(v) >= 0.2:
                print(f"   {n:<34} {v:+.2f}")


if __name__ == "__main__":
    main()
