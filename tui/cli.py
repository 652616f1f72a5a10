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

from reviewer.commands import CommandRegistry, Run, settings_from_args
from reviewer.errors import ConfigError, ExitCode

DEEP_ENGINES = ("rules+llm", "llm")


def _has_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def cmd_tui(args: argparse.Namespace) -> int:
    from reviewer.service import Reviewer
    from tui.live_review import check_situation

    situation = check_situation(getattr(args, "situation", None))  # bad usage first, terminal or not
    if not _has_terminal():
        raise ConfigError("tui: needs a terminal; in scripts and pipes use `candor check FILE`")
    settings = settings_from_args(args)
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


def default_command(without_terminal: Run) -> Run:
    """`candor` alone: the TUI in a terminal, `without_terminal` otherwise (so pipes and CI see text, not a hang)."""

    def run(args: argparse.Namespace) -> int:
        if _has_terminal():
            return cmd_tui(args)
        return without_terminal(args)

    return run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", help="draft to open (.txt, .md or .eml); a new path starts an empty draft")
    parser.add_argument("--situation", help="what the message is about: missed_deadline, delay, outage, ...")
    parser.add_argument("--client", help="the client's name")
    parser.add_argument(
        "--theme", help="textual-dark (default), textual-light, or any Textual theme name; Ctrl+T switches"
    )


def register(commands: CommandRegistry) -> None:
    """The `candor.commands` entry point: add `candor tui`, and make the TUI what bare `candor` opens."""
    commands.add(
        "tui",
        cmd_tui,
        help="open the terminal UI: write, review live, fix, rewrite (the default)",
        arguments=add_arguments,
    )
    commands.set_default(default_command(commands.default))
