"""`candor eval`: measure an engine against the labelled examples in evals/ (registered as a CLI extension)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reviewer import cli
from reviewer.errors import ExitCode


def cmd_eval(args: argparse.Namespace) -> int:
    from evals import report, runner

    reviewer = cli._reviewer(args)
    examples = runner.load_examples(args.split)
    if args.limit:
        examples = examples[: args.limit]

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    outcomes = runner.run_engine(reviewer.review, examples, with_situation=args.with_situation, progress=progress)
    figures = runner.measure(outcomes, resamples=args.resamples)
    meta: dict[str, Any] = {
        "engine": reviewer.engine.name,
        "split": args.split,
        "rubric": reviewer.rubric.hash,
        "with_situation": args.with_situation,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    document = {"meta": meta, "figures": figures}
    out_dir: Path = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{reviewer.engine.name.replace(':', '_').replace('/', '_')}-{args.split}"
    (out_dir / f"{stem}.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    (out_dir / f"{stem}.md").write_text(report.render(meta, figures, markdown=True), encoding="utf-8")
    if args.format == "json":
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        sys.stdout.write(report.render(meta, figures, markdown=args.format == "markdown"))
    print(f"candor: wrote {out_dir / stem}.json and .md", file=sys.stderr)

    if args.update_baseline:
        if args.split != "test" or reviewer.engine.name != "rules" or args.limit or args.with_situation:
            print("candor: error: the baseline is the rules engine on the full test split", file=sys.stderr)
            return ExitCode.USAGE
        baseline = {"engine": "rules", "split": "test", "rubric": meta["rubric"], "figures": runner.headline(figures)}
        runner.BASELINE_PATH.write_text(json.dumps(baseline, indent=2) + "\n", encoding="utf-8")
        print(f"candor: baseline updated: {runner.BASELINE_PATH}", file=sys.stderr)
    if args.check_baseline:
        baseline = json.loads(runner.BASELINE_PATH.read_text(encoding="utf-8"))
        drops = runner.compare_to_baseline(figures, baseline["figures"])
        for line in drops:
            print(f"candor: below baseline: {line}", file=sys.stderr)
        return ExitCode.BLOCKED if drops else ExitCode.OK
    return ExitCode.OK


def register(sub: Any) -> None:
    parser = sub.add_parser("eval", help="measure an engine against the labelled examples (evals/)")
    parser.add_argument("--split", choices=("dev", "test", "all"), default="test")
    parser.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    parser.add_argument("--out", type=Path, default=Path("evals/runs"), help="where the JSON and Markdown go")
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples for the intervals")
    parser.add_argument("--limit", type=int, help="only the first N examples (smoke runs)")
    parser.add_argument("--with-situation", action="store_true", help="tell the engine each example's situation")
    parser.add_argument("--update-baseline", action="store_true", help="write evals/baseline.json from this run")
    parser.add_argument("--check-baseline", action="store_true", help="exit 1 if below the baseline")
    cli._review_flags(parser)
    parser.set_defaults(func=cmd_eval)


cli._EXTENSIONS.append(register)
