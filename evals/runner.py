"""Run an engine over the labelled examples and measure its agreement with the gold labels.

The solver is `reviewer.service.Reviewer.review`, the same code path as `candor check`. Messages are reviewed
without their situation label, as real drafts arrive; `with_situation=True` measures the engine when it is told.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evals.metrics import (
    SpanScore,
    add_span_scores,
    bootstrap,
    confusion,
    mae,
    quadratic_weighted_kappa,
    span_score,
    spearman,
    within_one,
)
from reviewer.errors import EngineError, InputError
from reviewer.facts import compare_facts
from reviewer.models import Message, Review
from reviewer.rewrite import unfilled

DATA_DIR = Path(__file__).resolve().parent / "data"
BASELINE_PATH = Path(__file__).resolve().parent / "baseline.json"
RECORDINGS_DIR = Path(__file__).resolve().parent / "recordings"
SPLITS = ("dev", "test", "all")
VERDICTS = ("send", "revise", "block")
REALISTIC_DIR = DATA_DIR / "realistic"
REALISTIC_DEV = REALISTIC_DIR / "dev.jsonl"
REALISTIC_TEST = REALISTIC_DIR / "test.jsonl"
SPAN_FAMILIES = (
    "blame",
    "passive_evasion",
    "vague_timing",
    "minimising",
    "formulaic_apology",
    "over_promising",
    "over_explaining",
    "hostile_tone",
    "deflection",
)
BASELINE_TOLERANCE = 0.03
"""How far a test-split figure may fall below the baseline before the baseline test fails: about one example in
the verdict accuracy of a 120-example split, and under the bootstrap noise of the correlations."""


@dataclass(frozen=True)
class Example:
    id: str
    situation: str
    quality: str
    text: str
    gold: dict[str, float]
    """Gold scores 1-5; the mean of the raters' scores where there are several (so 3.5 happens)."""
    verdict: str
    spans: tuple[dict[str, Any], ...]
    source: str | None = None
    """Where the message was found (a site or repository): the realistic splits are made by source."""


@dataclass
class Outcome:
    example: Example
    review: Review
    seconds: float


@dataclass
class EvalResult:
    engine: str
    split: str
    outcomes: list[Outcome]
    figures: dict[str, Any] = field(default_factory=dict)


def load_examples(split: str, data_dir: Path = DATA_DIR) -> list[Example]:
    names = ("dev", "test") if split == "all" else (split,)
    if split not in SPLITS:
        raise InputError(f"eval: unknown split {split!r}; choose from {', '.join(SPLITS)}")
    return [ex for name in names for ex in load_labelled(data_dir / f"{name}.jsonl")]


DATASETS = {"own": DATA_DIR, "realistic": REALISTIC_DIR}
"""Named labelled sets: the project's own examples, and messages written by others (the realistic corpus)."""
DEFAULT_DATASET = "realistic"


def load_dataset(data: str | None, split: str) -> tuple[str, list[Example]]:
    """A named set's split (`realistic`, `own`), or any labelled JSONL file (its split is the whole file).

    Returns a label for reports and baselines ("realistic/test", or the file name) and the examples."""
    name = data or DEFAULT_DATASET
    if name in DATASETS:
        return f"{name}/{split}", load_examples(split, DATASETS[name])
    path = Path(name)
    if not path.is_file():
        raise InputError(f"eval: --data {name!r} is neither a named set ({', '.join(DATASETS)}) nor a file")
    return path.name, load_labelled(path)


def load_labelled(path: Path) -> list[Example]:
    """Any labelled JSONL file (the project's own splits, the realistic corpus, a team's own set)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise InputError(f"eval: cannot read {path}: {err.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"eval: {path} is not UTF-8") from None
    examples = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            examples.append(
                Example(
                    id=str(raw["id"]),
                    situation=raw.get("situation") or "",
                    quality=raw.get("quality") or "",
                    text=raw["text"],
                    gold={k: float(v) for k, v in raw["gold"].items()},
                    verdict=raw["verdict"],
                    spans=tuple(raw.get("spans", ())),
                    source=raw.get("source_site"),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
            raise InputError(f"eval: {path}:{number}: not a labelled example ({type(err).__name__}: {err})") from None
    return examples


def run_engine(
    review: Callable[[Message], Review],
    examples: Sequence[Example],
    *,
    with_situation: bool = False,
    progress: Callable[[int, int], None] | None = None,
    failures: list[tuple[str, str]] | None = None,
) -> list[Outcome]:
    """Each example reviewed. With `failures`, a message the engine cannot review (a model that never gives a valid
    reply) is listed there as (id, reason) and left out, so one bad reply does not sink a recorded run; a stale
    recording and every other error still stop the run."""
    from evals.recording import StaleRecording

    outcomes = []
    for i, ex in enumerate(examples, 1):
        message = Message(text=ex.text, situation=ex.situation if with_situation else None, source=ex.id)
        started = time.perf_counter()
        try:
            result = review(message)
        except EngineError as err:
            if failures is None or isinstance(err, StaleRecording):
                raise
            failures.append((ex.id, str(err)))
            continue
        outcomes.append(Outcome(ex, result, time.perf_counter() - started))
        if progress:
            progress(i, len(examples))
    return outcomes


def _round_half_up(value: float) -> int:
    return int(math.floor(value + 0.5))


def predicted_score(review: Review, dimension: str) -> float:
    return review.overall if dimension == "overall" else float(review.score(dimension))


def measure(outcomes: Sequence[Outcome], *, resamples: int = 1000) -> dict[str, Any]:
    """Every figure of the report, as plain JSON-ready data."""
    if not outcomes:
        raise InputError("eval: no examples to measure")
    dims = [d.id for d in outcomes[0].review.dimensions if d.id in outcomes[0].example.gold] + ["overall"]
    dimensions: dict[str, Any] = {}
    for dim in dims:
        gold = [float(o.example.gold[dim]) for o in outcomes]
        pred = [predicted_score(o.review, dim) for o in outcomes]
        pred_int = [float(_round_half_up(p)) for p in pred]
        dimensions[dim] = {
            "spearman": bootstrap(spearman, gold, pred, resamples=resamples).as_dict(),
            "qwk": bootstrap(
                lambda g, p: quadratic_weighted_kappa([int(x) for x in g], [int(x) for x in p]),
                [float(_round_half_up(g)) for g in gold],
                pred_int,
                resamples=resamples,
            ).as_dict(),
            "mae": bootstrap(mae, gold, pred_int, resamples=resamples).as_dict(),
            "within_1": bootstrap(within_one, gold, pred_int, resamples=resamples).as_dict(),
        }
    gold_v = [o.example.verdict for o in outcomes]
    pred_v = [o.review.verdict for o in outcomes]
    verdict = {
        "accuracy": bootstrap(
            lambda g, p: sum(a == b for a, b in zip(g, p, strict=True)) / len(g),
            [VERDICTS.index(v) for v in gold_v],
            [VERDICTS.index(v) for v in pred_v],
            resamples=resamples,
        ).as_dict(),
        "confusion": confusion(gold_v, pred_v, VERDICTS),
    }
    spans: dict[str, Any] = {}
    everything: list[SpanScore] = []
    for family in SPAN_FAMILIES:
        per_example: list[SpanScore] = []
        for o in outcomes:
            gold_spans = [(s["start"], s["end"]) for s in o.example.spans if s["family"] == family]
            pred_spans = [(f.start, f.end) for f in o.review.findings if f.family == family]
            per_example.append(span_score(gold_spans, pred_spans))
        spans[family] = add_span_scores(per_example).as_dict()
        everything.extend(per_example)
    spans["all"] = add_span_scores(everything).as_dict()
    seconds = sorted(o.seconds for o in outcomes)
    return {
        "rewrites": rewrite_figures(outcomes),
        "gate": gate_figures(outcomes),
        "n": len(outcomes),
        "dimensions": dimensions,
        "verdict": verdict,
        "spans": spans,
        "worst": worst_examples(outcomes, dims),
        "timing": {"median_ms": round(seconds[len(seconds) // 2] * 1000, 3), "total_s": round(sum(seconds), 3)},
    }


def rewrite_figures(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Are the suggested rewrites better than their drafts: how many drafts below `send` get a rewrite that the
    same engine scores higher (placeholders left unfilled), how many of the others would once their blanks are
    filled (the projection with sample values), how many rewrites score lower anywhere, and how many keep every
    fact of their draft."""
    below_send = [o for o in outcomes if o.review.verdict != "send"]
    rewritten = [o for o in outcomes if o.review.rewrite is not None]
    rescored = [o for o in rewritten if o.review.rewrite and o.review.rewrite.overall is not None]

    def higher(o: Outcome) -> bool:
        rewrite = o.review.rewrite
        return rewrite is not None and rewrite.overall is not None and rewrite.overall > rewrite.baseline(o.review)[1]

    def lower_somewhere(o: Outcome) -> bool:
        rewrite = o.review.rewrite
        if rewrite is None:
            return False
        after = {d.id: d.score for d in (rewrite.dimensions or ())}
        return any(d.id in after and after[d.id] < d.score for d in rewrite.baseline(o.review)[0])

    kept = [o for o in rewritten if o.review.rewrite and not compare_facts(o.example.text, o.review.rewrite.text)]

    def why_not_higher(o: Outcome) -> str:
        rewrite = o.review.rewrite
        if rewrite is None:
            return "no rewrite"
        if unfilled(rewrite.text, o.example.text).split() == o.example.text.split():
            return "placeholders only"  # nothing written yet: it can only score higher once filled in
        return "written changes, not scored higher"

    def higher_once_filled(o: Outcome) -> bool:
        rewrite = o.review.rewrite
        return rewrite is not None and (rewrite.filled_overall or 0.0) > rewrite.baseline(o.review)[1]

    not_higher: dict[str, int] = {}
    filled_higher: dict[str, int] = {}
    for o in below_send:
        if not higher(o):
            reason = why_not_higher(o)
            not_higher[reason] = not_higher.get(reason, 0) + 1
            filled_higher[reason] = filled_higher.get(reason, 0) + higher_once_filled(o)
    return {
        "drafts": len(outcomes),
        "below_send": len(below_send),
        "rewritten": len(rewritten),
        "rescored": len(rescored),
        "higher": sum(higher(o) for o in rewritten),
        "below_send_higher": sum(higher(o) for o in below_send),
        "share_below_send_higher": sum(higher(o) for o in below_send) / len(below_send) if below_send else 1.0,
        "below_send_not_higher": not_higher,
        "below_send_not_higher_but_higher_once_filled": filled_higher,
        "below_send_higher_once_filled": sum(higher(o) or higher_once_filled(o) for o in below_send),
        "lower_somewhere": sum(lower_somewhere(o) for o in rescored),
        "facts_kept": len(kept),
        "share_facts_kept": len(kept) / len(rewritten) if rewritten else 1.0,
    }


def gate_figures(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """How far the gate can be trusted: are critical findings real (they block on their own), is a good message
    ever blocked, is a poor one ever passed."""
    critical = real = 0
    for o in outcomes:
        blame = [(s["start"], s["end"]) for s in o.example.spans if s["family"] == "blame"]
        for f in o.review.findings:
            if f.severity == "critical":
                critical += 1
                real += any(f.start < e and s < f.end for s, e in blame)
    good_blocked = [o.example.id for o in outcomes if o.example.gold["overall"] >= 4 and o.review.verdict == "block"]
    poor_sent = [o.example.id for o in outcomes if o.example.gold["overall"] <= 2 and o.review.verdict == "send"]
    return {
        "critical_findings": critical,
        "critical_precision": real / critical if critical else float("nan"),
        "good_blocked": good_blocked,
        "poor_sent": poor_sent,
    }


def worst_examples(outcomes: Sequence[Outcome], dims: Sequence[str], limit: int = 10) -> list[dict[str, Any]]:
    """The examples the engine gets most wrong: total absolute error over the dimensions, verdict misses first."""
    rows: list[dict[str, Any]] = []
    for o in outcomes:
        errors = {d: round(predicted_score(o.review, d) - o.example.gold[d], 2) for d in dims}
        rows.append(
            {
                "id": o.example.id,
                "situation": o.example.situation,
                "gold_verdict": o.example.verdict,
                "verdict": o.review.verdict,
                "gold_overall": o.example.gold["overall"],
                "overall": o.review.overall,
                "abs_error": round(sum(abs(e) for e in errors.values()), 2),
                "errors": errors,
            }
        )
    rows.sort(key=lambda r: (r["gold_verdict"] == r["verdict"], -float(r["abs_error"])))
    return rows[:limit]


def headline(figures: dict[str, Any]) -> dict[str, float]:
    """The figures a baseline guards: per-dimension Spearman, verdict accuracy, span F1 per family."""
    out = {f"spearman.{d}": v["spearman"]["value"] for d, v in figures["dimensions"].items()}
    out["verdict.accuracy"] = figures["verdict"]["accuracy"]["value"]
    out.update({f"span_f1.{fam}": v["f1"] for fam, v in figures["spans"].items()})
    return {k: v for k, v in out.items() if not (isinstance(v, float) and math.isnan(v))}


def compare_to_baseline(
    figures: dict[str, Any], baseline: dict[str, float], tolerance: float = BASELINE_TOLERANCE
) -> list[str]:
    """One line per guarded figure that fell more than `tolerance` below the baseline."""
    now = headline(figures)
    drops = []
    for key, before in baseline.items():
        value = now.get(key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            drops.append(f"{key}: missing now (baseline {before})")
        elif not math.isnan(before) and value < before - tolerance:
            drops.append(f"{key}: {value:.3f} < baseline {before:.3f} - {tolerance}")
    return drops
