"""The command-plugin API: how a front end adds its sub-command to `candor`.

A front end (the TUI, the eval suite, batch review, a mail wrapper, git hooks, an editor server) is a package that
names one function in the `candor.commands` entry-point group; the core never imports it by name:

    # pyproject.toml
    [project.entry-points."candor.commands"]
    batch = "batch.cli:register"

    # batch/cli.py
    import argparse
    from reviewer.commands import CommandRegistry, reviewer_from_args
    from reviewer.errors import ExitCode

    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("folder", help="a folder of .txt, .md and .eml files")

    def run(args: argparse.Namespace) -> int:
        reviewer = reviewer_from_args(args)  # config files + environment + the shared flags the user typed
        ...
        return ExitCode.OK

    def register(commands: CommandRegistry) -> None:
        commands.add("batch", run, help="review a folder of messages", arguments=add_arguments)

The contract:

- `register(commands)` is called once per `candor` run, before the command line is parsed, with a registry that
  already holds the core's commands. It must stay cheap: import heavy packages (textual, openai...) inside `run`,
  so `candor --help` stays fast. Running a core command (`check`, `schema`, ...) loads no plugin at all, and
  running one of Candor's own front ends (`candor batch`, `candor eval`...) loads no other plugin.
- `run(args)` returns an exit code (`reviewer.errors.ExitCode`; `reviewer.hook.ExitPolicy` turns verdicts into
  one). For anything the user can fix it raises a `CandorError`: the CLI prints its one line and exits with its
  code, never a traceback. stdout is data, stderr is diagnostics.
- `review_flags=True` (the default) gives the command the flags every reviewing command shares (`--engine`,
  `--config`, `--send-at`, `--block-below`, `--disable`, `--rubric-dir`, `--model`, `--base-url`, `--fail-open`,
  `--no-cache`, `--redact`/`--no-redact`); `settings_from_args` and `reviewer_from_args` turn them into
  `Settings` or a `Reviewer`, so a flag overrides the config files only when the user typed it.
- `commands.set_default(run)` makes `run` what bare `candor` does; `commands.default` is what it replaces, for a
  front end that falls back to it (the TUI does without a terminal).
- Names are unique: adding one that exists raises `CommandConflict`. The CLI reports a plugin that fails to load or
  register as one warning line and carries on with the others.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reviewer.config import Settings
    from reviewer.service import Reviewer

Run = Callable[[argparse.Namespace], int]
"""A command's body: the parsed arguments in, an exit code out."""
AddArguments = Callable[[argparse.ArgumentParser], None]
"""Adds a command's own arguments (and sub-commands, if it has any) to its parser."""

ENTRY_POINT_GROUP = "candor.commands"
"""Packages add commands through this entry-point group; each entry names a `register(commands)` function."""

_RUN = "_candor_run"
"""Where the parsed namespace carries the chosen command's `run` (a name no plugin argument will take)."""


class CommandConflict(ValueError):
    """A command name is already taken (by the core or by another plugin)."""


@dataclass(frozen=True)
class Command:
    """One `candor` sub-command, as a front end declared it."""

    name: str
    run: Run
    help: str
    arguments: AddArguments | None = None
    review_flags: bool = True


class CommandRegistry:
    """The sub-commands of one `candor` run and what bare `candor` does; built fresh for every run."""

    def __init__(self, default: Run) -> None:
        self._commands: dict[str, Command] = {}
        self._default = default

    def add(
        self,
        name: str,
        run: Run,
        *,
        help: str,
        arguments: AddArguments | None = None,
        review_flags: bool = True,
    ) -> Command:
        """Add `candor NAME`; raises `CommandConflict` if NAME is taken."""
        if name in self._commands:
            raise CommandConflict(f"command {name!r} already exists")
        command = Command(name=name, run=run, help=help, arguments=arguments, review_flags=review_flags)
        self._commands[name] = command
        return command

    @property
    def default(self) -> Run:
        """What `candor` with no command runs."""
        return self._default

    def set_default(self, run: Run) -> None:
        self._default = run

    def __contains__(self, name: object) -> bool:
        return name in self._commands

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def names(self) -> tuple[str, ...]:
        return tuple(self._commands)

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        """Give `parser` one sub-parser per command, in the order they were added."""
        sub = parser.add_subparsers(dest="command")
        for command in self:
            child = sub.add_parser(command.name, help=command.help)
            if command.arguments is not None:
                command.arguments(child)
            if command.review_flags:
                add_review_flags(child)
            child.set_defaults(**{_RUN: command.run})

    def run_for(self, args: argparse.Namespace) -> Run:
        """The `run` of the command `args` were parsed for, or the default when none was given."""
        chosen: Run | None = getattr(args, _RUN, None)
        return chosen or self._default


def load_plugins(commands: CommandRegistry, *, group: str = ENTRY_POINT_GROUP, only: str | None = None) -> None:
    """Let every installed plugin register; one that fails is a one-line warning, never the end of the run.

    With `only` (the command word of this run) naming one of Candor's own front ends (an entry point of the
    `candor` distribution itself: `batch`, `eval`, `lsp`, `tui`), that one alone registers: finding every
    installed plugin reads the metadata of every installed distribution, and importing the other front ends adds
    more, tens of milliseconds before a `candor batch` starts its first review."""
    from importlib.metadata import PackageNotFoundError, distribution, entry_points

    entries: Any = ()
    if only is not None:
        try:
            entries = [e for e in distribution("candor").entry_points if e.group == group and e.name == only]
        except PackageNotFoundError:
            entries = ()
    for entry in entries or entry_points(group=group):
        try:
            register = entry.load()
            register(commands)
        except Exception as err:  # noqa: BLE001 - a broken plugin must not break the other commands
            print(f"candor: warning: command plugin {entry.name!r} not loaded: {err}", file=sys.stderr)


def add_review_flags(parser: argparse.ArgumentParser) -> None:
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
    redaction = parser.add_mutually_exclusive_group()
    redaction.add_argument(
        "--redact",
        action="store_const",
        const=True,
        dest="redact",
        help="replace emails, phones, amounts, account/invoice numbers, links and names before the model sees the "
        "draft (default: on for a non-local endpoint)",
    )
    redaction.add_argument(
        "--no-redact", action="store_const", const=False, dest="redact", help="send the draft to the model as written"
    )


_SETTING_FLAGS = (
    "engine", "send_at", "block_below", "model", "base_url", "fail_open", "cache", "redact", "fail_on", "color",
)  # fmt: skip
"""Parsed arguments that are settings of the same name (`--fail-on` and `--color` are `candor check`'s own)."""


def flag_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the user typed on the command line (absent or None means: leave it to the config)."""
    flags: dict[str, Any] = {key: getattr(args, key, None) for key in _SETTING_FLAGS}
    if getattr(args, "disable", None):
        flags["disable"] = tuple(args.disable)
    if getattr(args, "rubric_dirs", None):
        flags["rubric_dirs"] = tuple(args.rubric_dirs)
    return {key: value for key, value in flags.items() if value is not None}


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from defaults, config files, the environment and the flags the user typed (in that order)."""
    from reviewer.config import load_settings

    return load_settings(flag_overrides(args), config_file=getattr(args, "config", None)).settings


def reviewer_from_args(args: argparse.Namespace) -> Reviewer:
    """A `Reviewer` configured like `settings_from_args`; loads and validates the rubric (a `RubricError` if bad)."""
    from reviewer.service import Reviewer

    return Reviewer(settings_from_args(args))
