"""`candor batch SOURCE...` and `candor report RESULTS`: how a team's past client messages have been going.

Plugged into the core through the `candor.commands` entry point (`batch.cli:register`); the core never imports
this package. `batch` streams folders, .eml, mbox, JSONL and CSV files through `reviewer.sources`, reviews them with
`reviewer.batch.review_records` on every core, and records each result as it comes (`batch.sinks`); run again, it
reviews only what is left. Its exit code is `ExitPolicy.run_exit_code` over the whole batch: 0 every message passes,
1 some verdict fails the gate, 2 some message could not be read, 3 some could not be reviewed.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
from pathlib import Path

from reviewer.commands import CommandRegistry, settings_from_args
from reviewer.errors import ConfigError, ExitCode
from reviewer.models import SITUATIONS


def add_batch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "sources", nargs="+", help="folders (recursive), .txt/.md/.eml files, .mbox, .jsonl and .csv files; '-' stdin"
    )
    parser.add_argument(
        "--out", "-o", type=Path, default=Path("candor-results.jsonl"),
        help="results file: .jsonl (default: candor-results.jsonl), .csv, or .db/.sqlite for SQLite",
    )  # fmt: skip
    parser.add_argument("--format", choices=("jsonl", "csv", "sqlite"), help="output format (default: by --out)")
    parser.add_argument("--text-col", default="text", help="JSONL/CSV field holding the message (default: text)")
    parser.add_argument("--id-col", help="JSONL/CSV field holding a message id")
    parser.add_argument("--date-col", help="JSONL/CSV field holding the date it was sent")
    parser.add_argument("--author-col", help="JSONL/CSV field holding who wrote it")
    parser.add_argument("--client-col", help="JSONL/CSV field holding the client it was sent to")
    parser.add_argument(
        "--situation", choices=sorted(SITUATIONS), help="what every message is about (default: inferred)"
    )
    parser.add_argument("--client", help="the client's name, for every message without a client column")
    parser.add_argument("--encoding", help="encoding of .txt/.md/.csv input that is not UTF-8 (e.g. latin-1)")
    parser.add_argument("--jobs", "-j", type=int, help="worker processes (rules) or concurrent calls (llm)")
    parser.add_argument("--fail-on", choices=("block", "revise"), dest="fail_on", help="which verdicts exit 1")
    parser.add_argument(
        "--rewrite", action="store_true",
        help="also record each message's suggested rewrite (JSONL only; slower: the rules engine reviews it too)",
    )  # fmt: skip
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress and no summary")
    parser.add_argument("--report", type=Path, help="also write the report here (.html, or .md) when the batch ends")


def cmd_batch(args: argparse.Namespace) -> int:
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # A shell script's `candor batch ... &` starts with SIGINT ignored (POSIX shells do that to background jobs),
        # so a later `kill -INT` did nothing and the batch ran to its end. A batch always stops on SIGINT, with 130.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    from batch.progress import Progress
    from batch.runner import default_jobs, run_batch
    from batch.sinks import format_for, open_sink
    from reviewer.batch import prepare
    from reviewer.hook import ExitPolicy
    from reviewer.sources import Columns, ReadOptions

    # The rubric and the engine are checked here, before anything is read; the workers reuse what is built. All
    # that start-up makes (modules, the rubric, its compiled patterns) lives until this process ends with the
    # batch, so the collector's passes meanwhile would find nothing to free, and it is then frozen out of the
    # collector's sight (`gc.freeze`, before the workers fork): later full collections, here and in every worker,
    # and the last one at exit no longer walk it, and the workers keep sharing those pages instead of copying them.
    gc.disable()
    try:
        settings = settings_from_args(args)
        reviewer = prepare(settings, rewrite=args.rewrite)
    finally:
        gc.enable()
    gc.freeze()
    if args.jobs is not None and args.jobs < 1:
        raise ConfigError("batch: --jobs must be at least 1")
    columns = Columns(
        text=args.text_col, id=args.id_col, date=args.date_col, author=args.author_col, client=args.client_col
    )
    options = ReadOptions.from_settings(
        settings, encoding=args.encoding, situation=args.situation, client=args.client, columns=columns
    )
    fmt = format_for(args.out, args.format)
    if args.rewrite and fmt != "jsonl":
        raise ConfigError(f"batch: --rewrite is recorded in JSONL results only, not {fmt}; give an --out .jsonl")
    sink = open_sink(args.out, fmt, [d.id for d in reviewer.rubric.dimensions])
    progress = Progress(quiet=args.quiet, stream=sys.stderr, sources=[str(s) for s in args.sources])
    try:
        try:
            tally = run_batch(
                [str(s) for s in args.sources],
                options,
                settings,
                sink,
                jobs=args.jobs or default_jobs(settings),
                rewrite=args.rewrite,
                on_progress=progress.update,
            )
        finally:
            sink.close()
            progress.close()
    except KeyboardInterrupt:
        # Every result received is written and the output closed. Python's own exit would now wait for the worker
        # pool to wind down, which can hang when the interrupt reached this process alone (a supervisor's SIGINT,
        # not a terminal's Ctrl-C): a worker can be left mid-reply on its pipe. So end here; the workers follow
        # their parent (`runner._end_with_parent`), and the same command resumes where this one stopped.
        sys.stderr.write("candor: interrupted\n")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(ExitCode.INTERRUPTED)
    if not args.quiet:
        sys.stderr.write(progress.summary(tally, out=str(args.out)))
    if args.report:
        from batch.report import write_report

        write_report([args.out], args.report)
    return int(tally.exit_code(ExitPolicy.from_settings(settings)))


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", type=Path, nargs="+", help="results of `candor batch` (.jsonl or SQLite)")
    parser.add_argument("--out", "-o", type=Path, help="write the report here: .html (offline page) or .md")
    parser.add_argument("--compare", type=Path, metavar="OLD", help="results of an earlier run, to show what changed")
    parser.add_argument(
        "--markdown", action="store_true", help="print the Markdown report on stdout (default without --out)"
    )


def cmd_report(args: argparse.Namespace) -> int:
    from batch.report import write_report

    text = write_report(args.results, args.out, compare=args.compare, markdown=args.markdown or args.out is None)
    if text is not None:
        sys.stdout.write(text)
    if args.out is not None:
        print(f"candor: report written to {args.out}", file=sys.stderr)
    return ExitCode.OK


def register(commands: CommandRegistry) -> None:
    """The `candor.commands` entry point: add `candor batch` and `candor report`."""
    commands.add(
        "batch",
        cmd_batch,
        help="review many past messages (folders, mbox, JSONL, CSV) into JSONL, CSV or SQLite; resumable",
        arguments=add_batch_arguments,
    )
    commands.add(
        "report",
        cmd_report,
        help="a report of batch results: an offline HTML page (--out report.html) or Markdown",
        arguments=add_report_arguments,
        review_flags=False,
    )
