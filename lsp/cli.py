"""`candor lsp`: start the Language Server on stdin/stdout (what editors run)."""

from __future__ import annotations

import argparse

from reviewer.commands import CommandRegistry, settings_from_args
from reviewer.errors import ExitCode


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default and only way)")


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)  # a bad config is one line and exit 2, before the editor sees a server
    from lsp.server import build_server  # pygls is imported only here

    build_server(settings).start_io()
    return ExitCode.OK


def register(commands: CommandRegistry) -> None:
    commands.add("lsp", run, help="run the Language Server for editors (stdio)", arguments=add_arguments)
