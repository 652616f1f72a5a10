"""`candor`: the command line. Every command is `main(argv) -> int` and follows the exit-code contract.

stdout is data (the review, as text or JSON); stderr is diagnostics. Any `CandorError` becomes one line on stderr
and its exit code; an unexpected exception is reported as one line too (with `CANDOR_DEBUG=1` for the traceback),
because a pre-send hook must never dump a traceback into a mail client.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from reviewer.errors import CandorError, ConfigError, ExitCode, exit_code_for
from reviewer.models import SITUATIONS

SUBCOMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def _review_flags(parser: argparse.ArgumentParser) -> None:
    """Flags shared by every command that reviews; defaults are None so only typed flags override config."""
    parser.add_argument("--engine", help="rules (default), llm, or rules+llm")
    parser.add_argument("--config", type=Path, help="project config file (instead of discovering candor.toml)")
    parser.add_argument("--send-at", type=float, dest="send_at", help="overall score needed for 'send'")
    parser.add_argument("--block-below", type=float, dest="block_below", help="overall score below which 'block'")
    parser.add_argument("--disable", action="append", help="switch a dimension off (repeatable)")
    parser.add_argument("--rubric-dir", action="append", type=Path, dest="rubric_dirs", help="extra rubric folder")
    parser.add_argument("--model", help="model name for the llm engine")
    parser.add_argument("--base-url", dest="base_url", help="OpenAI-compatible endpoint for the llm engine")
    parser.add_argument(
        "--fail-open",
        action="store_const",
        const=True,
        dest="fail_open",
        help="if the model fails, fall back to the rules review (exit as its verdict) with a warning",
    )
    parser.add_argument("--no-cache", action="store_const", const=False, dest="cache", help="bypass the cache")


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    keys = ("engine", "send_at", "block_below", "model", "base_url", "fail_open", "cache", "fail_on", "color")
    flags: dict[str, Any] = {k: getattr(args, k, None) for k in keys}
    if getattr(args, "disable", None):
        flags["disable"] = tuple(args.disable)
    if getattr(args, "rubric_dirs", None):
        flags["rubric_dirs"] = tuple(args.rubric_dirs)
    return {k: v for k, v in flags.items() if v is not None}


def _reviewer(args: argparse.Namespace) -> Any:
    from reviewer.config import load_settings
    from reviewer.service import Reviewer

    loaded = load_settings(_flags(args), config_file=getattr(args, "config", None))
    return Reviewer(loaded.settings)


def _use_color(setting: str) -> bool:
    if setting == "always":
        return True
    if setting == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def cmd_check(args: argparse.Namespace) -> int:
    from reviewer.inputs import read_source
    from reviewer.models import Message
    from reviewer.render import render_text

    reviewer = _reviewer(args)
    settings = reviewer.settings
    source = args.file
    if source is None:
        if sys.stdin.isatty():
            raise ConfigError("check: give a FILE, or '-' and pipe the draft on stdin")
        source = "-"
    parsed = read_source(
        source, max_bytes=settings.max_input_bytes, max_chars=settings.max_input_chars, encoding=args.encoding
    )
    message = Message(text=parsed.text, situation=args.situation, client=args.client, source=parsed.source)
    review = reviewer.review(message)
    if args.format == "json":
        sys.stdout.write(review.to_json() + "\n")
    else:
        name = "<stdin>" if source == "-" else source
        sys.stdout.write(
            render_text(review, source=name, color=_use_color(settings.color), show_rewrite=not args.no_rewrite)
        )
    failing = {"block"} if settings.fail_on == "block" else {"block", "revise"}
    return ExitCode.BLOCKED if review.verdict in failing else ExitCode.OK


def cmd_schema(args: argparse.Namespace) -> int:
    from reviewer.models import review_json_schema

    text = json.dumps(review_json_schema(), indent=2, sort_keys=True) + "\n"
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return ExitCode.OK


def cmd_config(args: argparse.Namespace) -> int:
    from reviewer.config import describe, load_settings

    sys.stdout.write(describe(load_settings(_flags(args), config_file=args.config)) + "\n")
    return ExitCode.OK


def cmd_rubric(args: argparse.Namespace) -> int:
    reviewer = _reviewer(args)
    for dim, path in zip(reviewer.rubric.dimensions, reviewer.rubric.sources, strict=True):
        sys.stdout.write(f"{dim.id:<18} weight {dim.weight:<4} {dim.question}  [{path}]\n")
    return ExitCode.OK


def cmd_sample(args: argparse.Namespace) -> int:
    """Until the TUI exists, `candor` alone reviews a bundled sample draft so a new user sees what it does."""
    sample = Path(__file__).parent / "samples" / "sample_draft.txt"
    ns = build_parser().parse_args(["check", str(sample)])
    return cmd_check(ns)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="candor",
        description="Review a client message before it is sent: transparency, empathy, accountability, "
        "solutions, limited excuses.",
        epilog="Exit codes: 0 send (or revise, unless --fail-on revise), 1 blocked by the gate, 2 usage or input "
        "error, 3 engine unavailable.",
    )
    sub = parser.add_subparsers(dest="command")

    check = sub.add_parser("check", help="review one draft (file, .eml, or - for stdin)")
    check.add_argument("file", nargs="?", help="path to .txt, .md or .eml; '-' reads stdin")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument(
        "--situation",
        choices=sorted(SITUATIONS),
        help="what the message is about (decides what it owes the client); default: inferred from the text",
    )
    check.add_argument("--client", help="the client's name")
    check.add_argument("--encoding", help="text encoding of the input if not UTF-8 (e.g. latin-1)")
    check.add_argument("--fail-on", choices=("block", "revise"), dest="fail_on", help="which verdicts exit 1")
    check.add_argument("--color", choices=("auto", "always", "never"))
    check.add_argument("--no-rewrite", action="store_true", help="do not print the suggested rewrite")
    _review_flags(check)
    check.set_defaults(func=cmd_check)

    schema = sub.add_parser("schema", help="print the JSON Schema of the review document")
    schema.add_argument("--write", metavar="FILE", help="write it to FILE instead")
    schema.set_defaults(func=cmd_schema)

    config = sub.add_parser("config", help="show the settings in force and where each came from")
    _review_flags(config)
    config.set_defaults(func=cmd_config)

    rubric = sub.add_parser("rubric", help="list the dimensions in force and their files")
    _review_flags(rubric)
    rubric.set_defaults(func=cmd_rubric)

    for register in _EXTENSIONS:
        register(sub)
    return parser


_EXTENSIONS: list[Callable[[Any], None]] = []
"""Functions that add subcommands (eval, tui, cache...), registered by their modules in `_load_extensions`."""


_BUILTIN_EXTENSIONS = ("reviewer.eval_cli", "reviewer.llm_cli")
ENTRY_POINT_GROUP = "candor.commands"
"""Packages add commands through this entry-point group (the TUI does: `tui.cli:register`), so the core never
imports them by name and `candor --help` works without them installed."""
BUILTIN_COMMANDS = frozenset({"check", "schema", "config", "rubric", "eval", "cache"})
"""Commands the core owns: running one of them never loads a plugin, so `candor check` stays lean and fast."""
_loaded: set[str] = set()


def _load_extensions(argv: Sequence[str] | None = None) -> None:
    """Register the core's own extra commands, then plugins unless a core command was asked for."""
    if "builtins" not in _loaded:
        _loaded.add("builtins")
        for module in _BUILTIN_EXTENSIONS:
            try:
                __import__(module)
            except ModuleNotFoundError as err:
                if err.name != module:
                    raise
    words = list(sys.argv[1:] if argv is None else argv)
    if (words and words[0] in BUILTIN_COMMANDS) or "plugins" in _loaded:
        return
    _loaded.add("plugins")
    from importlib.metadata import entry_points

    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            register = entry.load()
        except ImportError as err:
            print(f"candor: warning: command plugin {entry.name!r} not loaded: {err}", file=sys.stderr)
            continue
        register()


def main(argv: Sequence[str] | None = None) -> int:
    _load_extensions(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0) and ExitCode.USAGE
    func = getattr(args, "func", None) or DEFAULT_COMMAND[0]
    try:
        return int(func(args))
    except CandorError as err:
        print(f"candor: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("candor: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as err:  # noqa: BLE001 - the last line of defence: one line, never a traceback
        if os.environ.get("CANDOR_DEBUG"):
            raise
        print(f"candor: internal error: {type(err).__name__}: {err} (set CANDOR_DEBUG=1 for details)", file=sys.stderr)
        return exit_code_for(err)


DEFAULT_COMMAND: list[Callable[[argparse.Namespace], int]] = [cmd_sample]
"""What `candor` with no command runs; the TUI module replaces it when installed."""

if __name__ == "__main__":
    raise SystemExit(main())
