"""`candor eval`: measure an engine against the labelled examples in evals/.

A front end like the TUI: it registers through the `candor.commands` entry point (`evals.cli:register`), so the
core never imports the eval suite (an import-linter contract) and knows nothing of recordings or baselines.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reviewer.atomic import write_atomic
from reviewer.commands import CommandRegistry, settings_from_args
from reviewer.errors import ConfigError, EngineError, ExitCode

LLM_ENGINES = ("llm", "rules+llm")


def _slug(model: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", model)


def _llm_engines(args: argparse.Namespace, settings: Any, runs: int) -> list[Any]:
    """One engine per repeated run: recording against the live server, or (by default) replaying the recording."""
    from evals.recording import recording_engine, replaying_engine

    if not settings.model:
        raise ConfigError("eval: --engine llm needs --model (the recording is kept per model)")
    store = args.recordings / f"{_slug(settings.model)}.jsonl"
    with_rules = settings.engine == "rules+llm"
    if args.record:
        return [
            recording_engine(settings, store, with_rules=with_rules, run=r, resume=args.resume) for r in range(runs)
        ]
    if not store.is_file():
        raise EngineError(
            f"eval: no recording for model {settings.model!r} in {args.recordings}; record one against a live "
            f"endpoint with `candor eval --engine {settings.engine} --model {settings.model} --base-url URL --record`"
        )
    return [replaying_engine(settings, store, with_rules=with_rules, run=r) for r in range(runs)]


def consistency(runs: list[list[Any]]) -> dict[str, dict[str, float]]:
    """Spread (max - min) of each dimension's score for the same message across repeated runs."""
    out: dict[str, dict[str, float]] = {}
    dims = [d.id for d in runs[0][0].review.dimensions] + ["overall"]
    for dim in dims:
        spreads = []
        for per_message in zip(*runs, strict=True):
            values = [o.review.overall if dim == "overall" else o.review.score(dim) for o in per_message]
            spreads.append(max(values) - min(values))
        out[dim] = {"mean_spread": sum(spreads) / len(spreads), "max_spread": max(spreads), "messages": len(spreads)}
    return out


def cmd_eval(args: argparse.Namespace) -> int:
    from evals import report, runner
    from evals.facts.measure import fact_check_figures
    from evals.facts.pairs import load_pairs
    from reviewer.redact import redaction_wanted
    from reviewer.service import Reviewer

    settings = settings_from_args(args)
    if args.recordings is None:
        args.recordings = runner.RECORDINGS_DIR
    meta_path = args.recordings / f"{_slug(settings.model or '')}.meta.json"
    runs = args.runs
    data = args.data
    recorded: dict[str, Any] = {}
    if settings.engine in LLM_ENGINES and not args.record and meta_path.is_file():
        recorded = json.loads(meta_path.read_text(encoding="utf-8"))
        # A recording made before the realistic corpus existed was made on the project's own examples.
        data = data or recorded.get("data", "own")
    dataset, examples = runner.load_dataset(data, args.split)
    if recorded:
        # Replay what was recorded: the same messages, runs and sampling settings (they are part of the key).
        examples = [e for e in examples if e.id in set(recorded["ids"])]
        runs = runs or recorded["runs"]
        settings = settings.replace(**recorded.get("sampling", {}))
        # Recordings made before redaction existed (and any made against a loopback server) were not redacted.
        settings = settings.replace(redact=bool(recorded.get("redact", False)))
    if args.sample:
        step = max(1, len(examples) // args.sample)
        examples = examples[::step][: args.sample]
    if args.limit:
        examples = examples[: args.limit]
    runs = runs or 1

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    if settings.engine in LLM_ENGINES:
        engines = _llm_engines(args, settings, runs)
        reviewers = [Reviewer(settings, engine=engine) for engine in engines]
    else:
        reviewers = [Reviewer(settings)] * runs
    # A model that cannot review one message is reported as such; the rules engine never fails that way.
    failures: list[tuple[str, str]] = []
    all_runs = [
        runner.run_engine(
            r.review,
            examples,
            with_situation=args.with_situation,
            progress=progress,
            failures=failures if settings.engine in LLM_ENGINES else None,
        )
        for r in reviewers
    ]
    if failures and not any(all_runs[0]):
        raise EngineError(f"eval: the engine reviewed none of the {len(examples)} messages: {failures[0][1]}")
    if failures:
        failed = sorted({id_ for id_, _ in failures})
        print(f"candor: {len(failed)} message(s) could not be reviewed and are left out: {', '.join(failed)}",
              file=sys.stderr)  # fmt: skip
    # Every run scores the same messages, so the runs compare message by message.
    left_out = {id_ for id_, _ in failures}
    all_runs = [[o for o in outcomes if o.example.id not in left_out] for outcomes in all_runs]
    outcomes = all_runs[0]
    figures = runner.measure(outcomes, resamples=args.resamples)
    figures["failed"] = [{"id": id_, "reason": reason} for id_, reason in dict(failures).items()]
    if runs > 1:
        figures["consistency"] = consistency(all_runs)
    figures["fact_check"] = {k: v for k, v in fact_check_figures(load_pairs()).items() if not isinstance(v, list)}
    reviewer = reviewers[0]
    if args.record:
        args.recordings.mkdir(parents=True, exist_ok=True)
        write_atomic(
            meta_path,
            json.dumps(
                {
                    "model": settings.model,
                    "data": args.data or runner.DEFAULT_DATASET,
                    "split": args.split,
                    "runs": runs,
                    "sampling": {"temperature": settings.temperature, "max_output_tokens": settings.max_output_tokens},
                    "redact": redaction_wanted(settings.redact, settings.base_url),
                    "ids": [e.id for e in examples],
                },
                indent=2,
            )
            + "\n",
            mode=0o644,
        )
    meta: dict[str, Any] = {
        "engine": reviewer.engine.name,
        "data": dataset,
        "split": args.split,
        "rubric": reviewer.rubric.hash,
        "with_situation": args.with_situation,
        "runs": runs,
        "source": "live (recorded)" if args.record else ("replayed" if settings.engine in LLM_ENGINES else "rules"),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    document = {"meta": meta, "figures": figures}
    out_dir: Path = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{reviewer.engine.name}-{dataset}")
    write_atomic(out_dir / f"{stem}.json", json.dumps(document, indent=2) + "\n", mode=0o644)
    write_atomic(out_dir / f"{stem}.md", report.render(meta, figures, markdown=True), mode=0o644)
    if args.format == "json":
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        sys.stdout.write(report.render(meta, figures, markdown=args.format == "markdown"))
    print(f"candor: wrote {out_dir / stem}.json and .md", file=sys.stderr)

    baselines = json.loads(runner.BASELINE_PATH.read_text(encoding="utf-8")) if runner.BASELINE_PATH.is_file() else {}
    if args.update_baseline:
        if args.split != "test" or reviewer.engine.name != "rules" or args.limit or args.sample or args.with_situation:
            print("candor: error: a baseline is the rules engine on a full test split", file=sys.stderr)
            return ExitCode.USAGE
        baselines[dataset] = runner.headline(figures)
        write_atomic(runner.BASELINE_PATH, json.dumps(baselines, indent=2, sort_keys=True) + "\n", mode=0o644)
        print(f"candor: baseline for {dataset} updated: {runner.BASELINE_PATH}", file=sys.stderr)
    if args.check_baseline:
        if dataset not in baselines:
            print(f"candor: error: no baseline for {dataset} in {runner.BASELINE_PATH}", file=sys.stderr)
            return ExitCode.USAGE
        drops = runner.compare_to_baseline(figures, baselines[dataset])
        for line in drops:
            print(f"candor: below baseline: {line}", file=sys.stderr)
        return ExitCode.BLOCKED if drops else ExitCode.OK
    return ExitCode.OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        help="labelled set: 'realistic' (messages written by others, the default), 'own' (the project's examples), "
        "or a labelled JSONL file",
    )
    parser.add_argument("--split", choices=("dev", "test", "all"), default="test")
    parser.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    parser.add_argument("--out", type=Path, default=Path("evals/runs"), help="where the JSON and Markdown go")
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples for the intervals")
    parser.add_argument("--limit", type=int, help="only the first N examples (smoke runs)")
    parser.add_argument("--sample", type=int, help="N examples evenly spread over the split (for slow engines)")
    parser.add_argument("--with-situation", action="store_true", help="tell the engine each example's situation")
    parser.add_argument("--update-baseline", action="store_true", help="write evals/baseline.json from this run")
    parser.add_argument("--check-baseline", action="store_true", help="exit 1 if below the baseline")
    parser.add_argument(
        "--record",
        action="store_true",
        help="llm engines: call the live endpoint and store its replies (default: replay them)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="with --record: answer requests already in the recording from it (go on after an interruption)",
    )
    parser.add_argument("--runs", type=int, help="repeat each review N times (recorded runs) to measure consistency")
    parser.add_argument("--recordings", type=Path, help="where LLM replies are recorded (default: evals/recordings)")


def register(commands: CommandRegistry) -> None:
    """The `candor.commands` entry point: add `candor eval`."""
    commands.add(
        "eval", cmd_eval, help="measure an engine against the labelled examples (evals/)", arguments=add_arguments
    )
