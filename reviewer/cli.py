"""`candor`: the command line. Every command is `main(argv) -> int` and follows the exit-code contract.

stdout is data (the review, as text or JSON); stderr is diagnostics. Any `CandorError` becomes one line on stderr
and its exit code; an unexpected exception is reported as one line too (with `CANDOR_DEBUG=1` for the traceback),
because a pre-send hook must never dump a traceback into a mail client.

The core's commands register through the same API as every front end (`reviewer.commands`); `candor tui` and
`candor eval` come from their own packages through the `candor.commands` entry points, loaded only when the
command asked for is not the core's, so `candor check` never pays for them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from reviewer.atomic import write_atomic
from reviewer.commands import CommandRegistry, flag_overrides, load_plugins, reviewer_from_args
from reviewer.errors import CandorError, ConfigError, ExitCode, InputError, exit_code_for
from reviewer.interrupt import caused_by_interrupt
from reviewer.models import SITUATIONS


def _use_color(setting: str) -> bool:
    if setting == "always":
        return True
    if setting == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def cmd_check(args: argparse.Namespace) -> int:
    from reviewer.hook import ExitPolicy, Outcome
    from reviewer.report import Judged, judge, render_refusal, render_report, source_text_of, summary_line
    from reviewer.sources import ReadOptions, Refused, iter_messages

    reviewer = reviewer_from_args(args)
    settings = reviewer.settings
    sources = list(args.files)
    if not sources:
        if sys.stdin.isatty():
            raise ConfigError("check: give a FILE, or '-' and pipe the draft on stdin")
        sources = ["-"]
    if sources.count("-") > 1:
        raise ConfigError("check: stdin ('-') can be given only once")
    for source in sources:
        if source != "-" and Path(source).is_dir():
            raise InputError(f"{source}: is a directory; give a file (batch review takes folders)")
    several = len(sources) > 1
    policy = ExitPolicy.from_settings(settings)
    options = ReadOptions.from_settings(settings, encoding=args.encoding, situation=args.situation, client=args.client)
    color = _use_color(settings.color)
    outcomes: list[Outcome] = []
    judged: list[Judged] = []
    refused = 0
    for item in iter_messages(sources, options, refused="yield"):
        if isinstance(item, Refused):
            refused += 1
            outcomes.append(item.error)
            print(f"candor: error: {item.error}", file=sys.stderr)
            if doc := render_refusal(item.where, str(item.error), item.error.exit_code, args.format, several=several):
                sys.stdout.write(doc)
            continue
        try:
            review = reviewer.review(item.message)
        except CandorError as err:
            if not several:
                raise
            refused += 1
            outcomes.append(err)
            print(f"candor: error: {item.where}: {err}", file=sys.stderr)
            if doc := render_refusal(item.where, str(err), err.exit_code, args.format, several=several):
                sys.stdout.write(doc)
            continue
        outcomes.append(review)
        verdict = judge(item.where, review, settings.gate, policy)
        judged.append(verdict)
        sys.stdout.write(
            render_report(
                verdict,
                settings.gate,
                args.format,
                source_text=source_text_of(item.raw, args.encoding),
                color=color,
                show_rewrite=not args.no_rewrite,
                several=several,
                lexicon=reviewer.rubric.lexicon,
            )
        )
        sys.stdout.flush()
    if several and args.format == "text":
        sys.stdout.write(summary_line(judged, refused))
    if not outcomes:
        print("candor: nothing was reviewed: that is not a pass", file=sys.stderr)
    return policy.run_exit_code(outcomes)


def cmd_schema(args: argparse.Namespace) -> int:
    from reviewer.models import review_json_schema

    text = json.dumps(review_json_schema(), indent=2, sort_keys=True) + "\n"
    if args.write:
        try:
            write_atomic(Path(args.write), text)
        except OSError as err:
            raise ConfigError(f"schema --write: cannot write {args.write}: {err.strerror}") from None
    else:
        sys.stdout.write(text)
    return ExitCode.OK


def cmd_config(args: argparse.Namespace) -> int:
    from reviewer.config import describe, load_settings

    sys.stdout.write(describe(load_settings(flag_overrides(args), config_file=args.config)) + "\n")
    return ExitCode.OK


def cmd_rubric(args: argparse.Namespace) -> int:
    reviewer = reviewer_from_args(args)
    for dim, path in zip(reviewer.rubric.dimensions, reviewer.rubric.sources, strict=True):
        sys.stdout.write(f"{dim.id:<18} weight {dim.weight:<4} {dim.question}  [{path}]\n")
    return ExitCode.OK


def cmd_sample(args: argparse.Namespace) -> int:
    """Without the TUI (or a terminal), `candor` alone reviews a bundled sample draft, to show what it does."""
    sample = Path(__file__).parent / "samples" / "sample_draft.txt"
    return cmd_check(build_parser(core_commands()).parse_args(["check", str(sample)]))


def add_check_arguments(check: argparse.ArgumentParser) -> None:
    check.add_argument("files", nargs="*", metavar="FILE", help="path to .txt, .md or .eml; '-' reads stdin")
    check.add_argument(
        "--format",
        choices=("text", "json", "line"),
        default="text",
        help="text (default), json (the review document), or line (path:line:col: severity rule: message)",
    )
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


def add_schema_arguments(schema: argparse.ArgumentParser) -> None:
    schema.add_argument("--write", metavar="FILE", help="write it to FILE instead")


CORE_PLUGINS = ("reviewer.llm_cli", "reviewer.mail", "reviewer.githooks")
"""Modules of the core that add commands through the same API as any plugin (`candor cache`)."""


def core_commands() -> CommandRegistry:
    """The core's own commands; running one of them loads no plugin, so `candor check` stays lean and fast."""
    from importlib import import_module

    commands = CommandRegistry(default=cmd_sample)
    commands.add(
        "check", cmd_check, help="review one draft (file, .eml, or - for stdin)", arguments=add_check_arguments
    )
    commands.add(
        "schema",
        cmd_schema,
        help="print the JSON Schema of the review document",
        arguments=add_schema_arguments,
        review_flags=False,
    )
    commands.add("config", cmd_config, help="show the settings in force and where each came from")
    commands.add("rubric", cmd_rubric, help="list the dimensions in force and their files")
    for module in CORE_PLUGINS:
        import_module(module).register(commands)
    return commands


def load_commands(argv: Sequence[str] | None = None) -> CommandRegistry:
    """The commands of this run: the core's, then every plugin's unless a core command was asked for (or one of
    Candor's own front ends, which is then the only one loaded: `load_plugins`)."""
    commands = core_commands()
    words = list(sys.argv[1:] if argv is None else argv)
    if not (words and words[0] in commands):
        load_plugins(commands, only=words[0] if words else None)
    return commands


class OneLineParser(argparse.ArgumentParser):
    """A usage error is one line, naming the mistake and where help is (argparse would print the whole usage
    first, a dozen lines for `candor check`); the exit code is still 2. Subcommands inherit the class."""

    def error(self, message: str) -> NoReturn:
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {message} (see: {self.prog} --help)\n")


def build_parser(commands: CommandRegistry) -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="candor",
        description="Review a client message before it is sent: transparency, empathy, accountability, "
        "solutions, limited excuses.",
        epilog="Exit codes: 0 send (or revise, unless --fail-on revise), 1 blocked by the gate, 2 usage or input "
        "error, 3 engine unavailable.",
    )
    commands.add_to(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    commands = load_commands(argv)
    parser = build_parser(commands)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0) and ExitCode.USAGE
    run = commands.run_for(args)
    try:
        return int(run(args))
    except CandorError as err:
        print(f"candor: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("candor: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # The reader went away before the whole review was written (`| head -1`): a block must not become a pass.
        # Python would complain again when it flushes stdout at exit, so stdout goes to /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        print("candor: error: the output was closed before the review was written (broken pipe)", file=sys.stderr)
        return ExitCode.ENGINE
    except OSError as err:  # a full disk or a closed terminal while writing: say so plainly, without a class name
        if os.environ.get("CANDOR_DEBUG"):
            import traceback

            traceback.print_exc()
        where = f" ({err.filename})" if err.filename else ""
        print(f"candor: error: cannot read or write{where}: {err.strerror or err}", file=sys.stderr)
        return exit_code_for(err)
    except Exception as err:  # noqa: BLE001 - the last line of defence: one line, never a traceback
        if caused_by_interrupt(err):  # Ctrl-C during a lazy import, wrapped by Python in a RuntimeError
            print("candor: interrupted", file=sys.stderr)
            return ExitCode.INTERRUPTED
        if os.environ.get("CANDOR_DEBUG"):
            import traceback

            traceback.print_exc()  # the details, and still the documented exit code (never 1, "blocked")
            return exit_code_for(err)
        print(f"candor: internal error: {type(err).__name__}: {err} (set CANDOR_DEBUG=1 for details)", file=sys.stderr)
        return exit_code_for(err)


if __name__ == "__main__":
    raise SystemExit(main())
