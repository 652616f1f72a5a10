"""`candor hook install sendemail-validate` and the hook it installs, `candor hook run sendemail-validate FILE`.

git send-email runs `.git/hooks/sendemail-validate` once for every mail it is about to send, with the mail's file
as the first argument, and sends nothing if the hook exits non-zero. Candor reviews what a person wrote in it (the
cover letter's blurb, or the commit message of a patch; `reviewer.patchmail`), never the diff, through the same gate
and formats as `candor check`:

- exit 0: it passes, or it is a patch whose commit message has no body (one line says so: nothing to review);
- exit 1: blocked by the gate; the review is printed;
- exit 2: the mail cannot be read, or it is a cover letter with no text of its own (still `*** BLURB HERE ***`);
- exit 3: the engine failed (unless fail-open).

`install` writes the hook where git looks for it (`git rev-parse --git-path hooks`, so `core.hooksPath` is
honoured) and refuses to replace a hook it did not write unless `--force`; `--print` prints it instead.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from reviewer.atomic import write_atomic
from reviewer.commands import CommandRegistry, add_review_flags, reviewer_from_args
from reviewer.errors import ConfigError, ExitCode, InputError

MARK = "# Installed by `candor hook install`"

HOOKS = {
    "sendemail-validate": "review the cover letter and commit messages before git send-email sends them",
}
"""The git hooks Candor can install, and what each does."""


def candor_program() -> str:
    """The `candor` that is running now (so the hook works from a virtualenv that is not on PATH)."""
    here = Path(sys.argv[0])
    if here.name == "candor" and here.exists():
        return str(here.resolve())
    return shutil.which("candor") or "candor"


def hook_script(name: str, program: str | None = None) -> str:
    program = program or candor_program()
    return (
        "#!/bin/sh\n"
        f"{MARK} {name}: {HOOKS[name]}.\n"
        "# Exit 0 lets git go on, 1 stops it (blocked by the review), 2 unreadable input, 3 engine unavailable.\n"
        f"candor={shlex.quote(program)}\n"
        '[ -x "$candor" ] || candor=candor\n'
        f'exec "$candor" hook run {name} "$@"\n'
    )


def hooks_dir() -> Path:
    try:
        done = subprocess.run(["git", "rev-parse", "--git-path", "hooks"], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise ConfigError("hook install: git is not installed") from None
    if done.returncode != 0:
        raise ConfigError("hook install: not inside a git repository (run it from your clone)")
    return Path(done.stdout.strip()).resolve()


def cmd_install(args: argparse.Namespace) -> int:
    script = hook_script(args.name)
    if args.print:
        sys.stdout.write(script)
        return ExitCode.OK
    folder = hooks_dir()
    target = folder / args.name
    if target.exists() and not args.force:
        existing = target.read_text(encoding="utf-8", errors="replace")
        if MARK not in existing:
            raise ConfigError(
                f"{target}: a hook is already there; merge `candor hook install --print {args.name}` into it, "
                "or replace it with --force"
            )
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(target, script, mode=0o755, tighten=True)  # a hook must be executable; it holds no draft text
    print(f"candor: installed {target}", file=sys.stderr)
    return ExitCode.OK


def cmd_run(args: argparse.Namespace) -> int:
    from reviewer.hook import ExitPolicy
    from reviewer.inputs import parse_email, read_file_bytes
    from reviewer.patchmail import UNFINISHED_COVER_LETTER, patch_prose
    from reviewer.report import decision_line, judge, render_report, source_text_of
    from reviewer.sources import ReadOptions, Refused, mail_limit, message_from_text

    reviewer = reviewer_from_args(args)
    settings = reviewer.settings
    policy = ExitPolicy.from_settings(settings)
    where = args.file
    # A patch's diff can be large; only its prose is reviewed (and held to max_input_chars), as in the mail wrapper.
    raw = read_file_bytes(Path(where), max_bytes=mail_limit(settings.max_input_bytes), where=where)
    mail = parse_email(raw, where)
    prose = patch_prose(mail.text, mail.subject)
    if prose.has_placeholder and prose.is_cover_letter:
        raise InputError(f"{where}: {UNFINISHED_COVER_LETTER}")
    if not prose.text:
        if prose.is_patch:
            print(f"candor: {where}: the commit message has no body: nothing to review", file=sys.stderr)
            return ExitCode.OK
        raise InputError(f"{where}: no text of its own to review (only a shortlog, diffstat or signature)")
    options = ReadOptions.from_settings(settings, client=args.client)
    item = message_from_text(prose.text, where, options, raw=raw)
    if isinstance(item, Refused):
        raise item.error
    review = reviewer.review(item.message)
    judged = judge(where, review, settings.gate, policy)
    if judged.passed and args.format == "text":
        # A series of ten patches that pass would print ten whole reviews into send-email's output: one line each,
        # as the sendmail wrapper prints nothing on a pass.
        sys.stdout.write(decision_line(judged) + "\n")
        return policy.exit_code(review)
    sys.stdout.write(
        render_report(
            judged,
            settings.gate,
            args.format,
            source_text=source_text_of(raw),
            show_rewrite=False,
            lexicon=reviewer.rubric.lexicon,
        )
    )
    return policy.exit_code(review)


def add_hook_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="hook_action", required=True)
    install = actions.add_parser("install", help="install a git hook into this repository (or print it)")
    install.add_argument("name", choices=sorted(HOOKS))
    install.add_argument("--print", action="store_true", help="print the hook instead of installing it")
    install.add_argument("--force", action="store_true", help="replace a hook that Candor did not write")
    run = actions.add_parser("run", help="what an installed hook runs: review the mail file git gives it")
    run.add_argument("name", choices=sorted(HOOKS))
    run.add_argument("file", help="the mail file git send-email is about to send")
    run.add_argument("extra", nargs="*", help=argparse.SUPPRESS)  # newer git adds a headers file; unused
    run.add_argument("--format", choices=("text", "json", "line"), default="text")
    run.add_argument("--fail-on", choices=("block", "revise"), dest="fail_on", help="which verdicts stop git")
    run.add_argument("--client", help="the client's name")
    add_review_flags(run)


def cmd_hook(args: argparse.Namespace) -> int:
    return cmd_install(args) if args.hook_action == "install" else cmd_run(args)


def register(commands: CommandRegistry) -> None:
    commands.add(
        "hook",
        cmd_hook,
        help="install or run a git hook (sendemail-validate)",
        arguments=add_hook_arguments,
        review_flags=False,
    )
