"""`candor tui [FILE]`, and `candor` with no arguments: the terminal UI, plugged into the core CLI.

The core finds this module through the `candor.commands` entry point (`tui.cli:register`), so `reviewer` never
imports `tui` (the import-linter contract). Textual is imported inside the command only, so `candor --help` and every
other command stay free of it (a test checks).

Live scores always come from the rules engine, which is instant and offline; `--engine llm` or `rules+llm` picks
the engine the deep-review key uses (default rules+llm). Without a terminal (a pipe, CI), bare `candor` keeps its
old behaviour of reviewing the bundled sample, while `candor tui` says it needs a terminal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from reviewer import cli
from reviewer.errors import ConfigError, ExitCode

DEEP_ENGINES = ("rules+llm", "llm")
_WITHOUT_TERMINAL = cli.DEFAULT_COMMAND[0]
"""What bare `candor` did before the TUI took over; still used when there is no terminal."""


def _has_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def cmd_tui(args: argparse.Namespace) -> int:
    from reviewer.config import load_settings
    from reviewer.service import Reviewer
    from tui.live_review import check_situation

    situation = check_situation(getattr(args, "situation", None))  # bad usage first, terminal or not
    if not _has_terminal():
        raise ConfigError("tui: needs a terminal; in scripts and pipes use `candor check FILE`")
    settings = load_settings(cli._flags(args), config_file=getattr(args, "config", None)).settings
    deep_engine = settings.engine if settings.engine in DEEP_ENGINES else "rules+llm"
    reviewer = Reviewer(settings.replace(engine="rules"))
    file = getattr(args, "file", None)
    if file == "-":
        raise ConfigError("tui: cannot read the draft from stdin (the terminal is the editor); give a FILE")

    from tui.app import make_app

    app = make_app(
        reviewer=reviewer,
        path=Path(file) if file else None,
        deep_engine_name=deep_engine,
        situation=situation,
        client=getattr(args, "client", None),
        theme=getattr(args, "theme", None),
    )
    app.run()
    return ExitCode.OK


def cmd_default(args: argparse.Namespace) -> int:
    """`candor` alone: the TUI in a terminal, the sample review otherwise (so pipes and CI see text, not a hang)."""
    if _has_terminal():
        return cmd_tui(args)
    return _WITHOUT_TERMINAL(args)


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("tui", help="open the terminal UI: write, review live, fix, rewrite (the default)")
    parser.add_argument("file", nargs="?", help="draft to open (.txt, .md or .eml); a new path starts an empty draft")
    parser.add_argument("--situation", help="what the message is about: missed_deadline, delay, outage, ...")
    parser.add_argument("--client", help="the client's name")
    parser.add_argument(
        "--theme", help="textual-dark (default), textual-light, or any Textual theme name; Ctrl+T switches"
    )
    cli._review_flags(parser)
    parser.set_defaults(func=cmd_tui)


def register() -> None:
    """Called once by `reviewer.cli` when it loads command plugins: add `candor tui`, and make it the default."""
    global _WITHOUT_TERMINAL
    if add_parser in cli._EXTENSIONS:
        return
    _WITHOUT_TERMINAL = cli.DEFAULT_COMMAND[0]
    cli._EXTENSIONS.append(add_parser)
    cli.DEFAULT_COMMAND[0] = cmd_default
