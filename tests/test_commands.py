"""The command-plugin API: a front end registers its command, shares the review flags and may set the default; a
plugin that fails to load is one warning line and never breaks the other commands."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

import pytest

from reviewer import cli
from reviewer.commands import CommandConflict, CommandRegistry, settings_from_args
from reviewer.errors import ExitCode

BLAMING = "Hi Ana, it slipped because your team didn't send the content on time. We'll get to it ASAP."


def install_plugin(root: Path, monkeypatch: pytest.MonkeyPatch, name: str, source: str) -> None:
    """Install a plugin the way pip would: a module and a dist-info folder with its `candor.commands` entry point."""
    (root / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = root / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[candor.commands]\n{name} = {name}:register\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(root))


GREET = """
    import argparse
    from reviewer.commands import CommandRegistry, reviewer_from_args
    from reviewer.errors import ExitCode, InputError

    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("text")

    def run(args: argparse.Namespace) -> int:
        if not args.text.strip():
            raise InputError("greet: nothing to review")
        reviewer = reviewer_from_args(args)
        review = reviewer.review_text(args.text)
        print(review.verdict, reviewer.settings.send_at, reviewer.settings.disable)
        return ExitCode.OK

    def register(commands: CommandRegistry) -> None:
        commands.add("greet", run, help="review TEXT given on the command line", arguments=add_arguments)
"""


def test_an_installed_plugin_adds_a_command_with_the_shared_review_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    install_plugin(tmp_path, monkeypatch, "greetplugin", GREET)
    assert cli.main(["greet", BLAMING, "--send-at", "4.5", "--disable", "empathy"]) == ExitCode.OK
    assert capsys.readouterr().out.split(maxsplit=1) == ["block", "4.5 ('empathy',)\n"]
    assert cli.main(["--help"]) == ExitCode.OK
    assert "greet" in capsys.readouterr().out
    # Its errors are one line and their exit code, as for a core command.
    assert cli.main(["greet", "  "]) == ExitCode.USAGE
    assert capsys.readouterr().err == "candor: error: greet: nothing to review\n"


def test_a_broken_plugin_is_one_warning_and_the_others_still_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    install_plugin(tmp_path, monkeypatch, "greetplugin", GREET)
    install_plugin(tmp_path, monkeypatch, "brokenplugin", "import no_such_module_anywhere\n")
    install_plugin(
        tmp_path,
        monkeypatch,
        "greedyplugin",
        """
        def register(commands):
            commands.add("check", lambda args: 0, help="takes a core name")
        """,
    )
    assert cli.main(["greet", BLAMING]) == ExitCode.OK
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert any("'brokenplugin' not loaded" in line and "no_such_module_anywhere" in line for line in err)
    assert any("'greedyplugin' not loaded: command 'check' already exists" in line for line in err)


def test_a_core_command_loads_no_plugin_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    install_plugin(tmp_path, monkeypatch, "brokenplugin", "import no_such_module_anywhere\n")
    assert cli.main(["schema"]) == ExitCode.OK
    assert capsys.readouterr().err == ""


def test_one_of_candors_own_front_ends_loads_no_other_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    install_plugin(tmp_path, monkeypatch, "brokenplugin", "import no_such_module_anywhere\n")
    commands = cli.load_commands(["batch", "--help"])
    assert capsys.readouterr().err == ""
    assert {"batch", "report"} <= set(commands.names()) and "lsp" not in commands.names()
    # Any other word (here none) loads every plugin, so the broken one is reported and the others are all there.
    commands = cli.load_commands([])
    assert "'brokenplugin' not loaded" in capsys.readouterr().err
    assert {"batch", "report", "lsp", "eval", "tui"} <= set(commands.names())


def test_registry_names_are_unique_and_the_default_can_be_wrapped() -> None:
    ran: list[str] = []

    def sample(args: argparse.Namespace) -> int:
        ran.append("sample")
        return ExitCode.OK

    commands = CommandRegistry(default=sample)
    commands.add("one", lambda args: ExitCode.BLOCKED, help="first")
    with pytest.raises(CommandConflict, match="'one' already exists"):
        commands.add("one", lambda args: ExitCode.OK, help="again")
    fallback = commands.default
    commands.set_default(lambda args: fallback(args) + 1)
    parser = argparse.ArgumentParser()
    commands.add_to(parser)
    assert commands.run_for(parser.parse_args(["one"]))(argparse.Namespace()) == ExitCode.BLOCKED
    assert commands.run_for(parser.parse_args([]))(argparse.Namespace()) == 1 and ran == ["sample"]
    assert commands.names() == ("one",)


def test_only_typed_flags_override_the_config(tmp_path: Path) -> None:
    project = tmp_path / "candor.toml"
    project.write_text("send_at = 4.2\nblock_below = 2.0\n", encoding="utf-8")
    commands = CommandRegistry(default=lambda args: 0)
    commands.add("x", lambda args: 0, help="x")
    parser = argparse.ArgumentParser()
    commands.add_to(parser)
    settings = settings_from_args(parser.parse_args(["x", "--config", str(project), "--block-below", "3"]))
    assert (settings.send_at, settings.block_below, settings.engine) == (4.2, 3.0, "rules")
