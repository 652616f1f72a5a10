"""The span-model experiment (`evals.span_cv`): what it counts must be what `candor eval` would count, its folds must
keep a source site on one side, and its thresholds must respect the precision floor."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("numpy")

from evals.runner import REALISTIC_DIR, SPAN_FAMILIES, load_examples  # noqa: E402
from evals.span_cv import (  # noqa: E402
    FOLDS,
    Prepared,
    choose_threshold,
    fold_of,
    sentence_features,
    tally,
)

TEXT = "Thanks for writing. Read the manual next time. We will call you on Monday."
SECOND = (TEXT.index("Read"), TEXT.index(" We"))


def _message(pattern_spans: list[tuple[int, int]], gold: list[tuple[int, int]], site: str = "a.example") -> Prepared:
    hits = [("hostile_tone", "major", s, e) for s, e in pattern_spans]
    empty: dict[str, list[tuple[int, int]]] = {fam: [] for fam in SPAN_FAMILIES}
    return Prepared(
        site=site,
        units=sentence_features(TEXT, hits),
        patterns={**empty, "hostile_tone": list(pattern_spans)},
        gold={**empty, "hostile_tone": list(gold)},
    )


def test_engine_hits_are_features_of_their_own_sentence_and_its_neighbours() -> None:
    units = sentence_features(TEXT, [("hostile_tone", "major", SECOND[0], SECOND[0] + 4)])
    assert [span for span, _ in units][1] == (SECOND[0], SECOND[1])
    first, second, third = (f for _, f in units)
    assert second["here:hostile_tone"] == 1 and "here:hostile_tone" not in first and "here:hostile_tone" not in third
    assert first["after:hostile_tone"] == 1 and third["before:hostile_tone"] == 1
    assert second["imperative"] == 1 and first["imperative"] == 0
    assert all(f["message:hostile_tone"] == 1 for f in (first, second, third))


def test_a_sentence_an_engine_span_already_covers_is_not_added_again() -> None:
    message = _message(pattern_spans=[(0, 6)], gold=[SECOND])
    scores = [0.9, 0.8, 0.1]  # the first sentence holds the engine's (wrong) span, the second the gold one
    both = tally(message, "hostile_tone", scores, 0.5, "both")
    added = tally(message, "hostile_tone", scores, 0.5, "added")
    model = tally(message, "hostile_tone", scores, 0.5, "model")
    assert (both.predicted, both.matched_predicted, both.matched_gold) == (2, 1, 1)
    assert (added.predicted, added.matched_predicted) == (1, 1)
    assert (model.predicted, model.matched_predicted) == (2, 1)
    assert tally(message, "hostile_tone", scores, 0.5, "patterns").matched_gold == 0


def test_the_threshold_never_lets_through_added_findings_below_the_precision_floor() -> None:
    messages = [_message([], gold=[SECOND]) for _ in range(4)]
    wrong = [[0.9, 0.1, 0.2]] * 4  # the problem sentence scores lowest: no threshold reaches 0.5 precision
    assert choose_threshold(messages, "hostile_tone", wrong, "both") == math.inf
    right = [[0.2, 0.9, 0.1]] * 4
    threshold = choose_threshold(messages, "hostile_tone", right, "both")
    assert 0.2 < threshold <= 0.9
    assert tally(messages[0], "hostile_tone", right[0], threshold, "added").precision == 1.0


def test_folds_keep_every_source_site_on_one_side() -> None:
    examples = load_examples("dev", REALISTIC_DIR)
    folds_of_site: dict[str, set[int]] = {}
    for ex in examples:
        assert ex.source
        folds_of_site.setdefault(ex.source, set()).add(fold_of(ex.source, FOLDS))
    assert all(len(folds) == 1 for folds in folds_of_site.values())
    sizes = [sum(fold_of(ex.source or "", FOLDS) == k for ex in examples) for k in range(FOLDS)]
    assert min(sizes) > len(examples) / FOLDS / 2  # no fold nearly empty
