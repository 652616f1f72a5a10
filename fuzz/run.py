"""Coverage-guided fuzzing of every parser Candor has (issue 13, item 24), with atheris (libFuzzer for Python).

Each target feeds the fuzzer's bytes to one parser and checks the contract the property tests check
(tests/hardening/test_properties.py): the parser gives a value or its one documented error, on one line; anything
else (a traceback, a hang past `--timeout`, memory past `--rss-limit-mb`) is a finding, saved under
`fuzz/findings/<target>/` so it can be replayed (`python fuzz/run.py --replay FILE --target NAME`).

    pip install -e '.[fuzz]'
    python fuzz/run.py                      # every target, 60 s each
    python fuzz/run.py --seconds 300 text eml
    python fuzz/run.py --runs 20000         # a number of inputs per target instead of a time

Every target runs in its own process (libFuzzer owns the process it runs in); the corpus each one grows is kept in
`fuzz/corpus/<target>/` (not committed) and seeded from Candor's own test data and rubric.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
TARGETS = ("text", "eml", "mbox", "csv", "jsonl", "config", "rubric", "reply")
MAX_CHARS = 50_000
MAX_BYTES = 200_000


def _one_line(error: BaseException) -> None:
    message = str(error)
    if not message or "\n" in message or "Traceback" in message:
        raise AssertionError(f"the documented error is not one line: {message!r}")


def _target(name: str, scratch: Path) -> Callable[[bytes], None]:
    """The function libFuzzer calls with each input for one target (imports happen here, under instrumentation)."""
    if name in ("text", "eml"):
        from reviewer.errors import InputError
        from reviewer.inputs import parse_bytes

        suffix = ".txt" if name == "text" else ".eml"

        def parse(data: bytes) -> None:
            try:
                parsed = parse_bytes(data, "draft", suffix=suffix, max_chars=MAX_CHARS)
            except InputError as err:
                _one_line(err)
                assert str(err).startswith("draft: "), str(err)
                return
            assert parsed.text.strip(), "an empty message was accepted"
            assert "\x00" not in parsed.text, "a NUL byte reached the review"

        return parse

    if name in ("mbox", "csv", "jsonl"):
        from reviewer.sources import ReadOptions, Refused, iter_messages

        path = scratch / f"input.{name}"
        options = ReadOptions(max_bytes=MAX_BYTES, max_chars=MAX_CHARS)

        def read(data: bytes) -> None:
            path.write_bytes(data)
            for item in iter_messages([path], options, refused="yield"):
                if isinstance(item, Refused):
                    _one_line(item.error)
                else:
                    assert item.message.text.strip(), "an empty message was accepted"

        return read

    if name == "config":
        from reviewer.config import load_settings
        from reviewer.errors import ConfigError

        config = scratch / "candor.toml"
        environ = {"CANDOR_CONFIG": str(scratch / "none.toml")}

        def configure(data: bytes) -> None:
            config.write_bytes(data)
            try:
                load_settings(config_file=config, environ=environ)
            except ConfigError as err:
                _one_line(err)

        return configure

    if name == "rubric":
        from reviewer.errors import RubricError
        from reviewer.rubric import load_rubric

        folder = scratch / "rubric"
        folder.mkdir(exist_ok=True)
        dimension = folder / "fuzzed.toml"
        cache = scratch / "cache"

        def load(data: bytes) -> None:
            dimension.write_bytes(data)
            try:
                load_rubric([folder], cache_dir=cache)
            except RubricError as err:
                _one_line(err)

        return load

    if name == "reply":
        from reviewer.engines.llm_output import InvalidReply, parse_reply
        from reviewer.prompts import rubric_dir
        from reviewer.rubric import load_rubric

        rubric = load_rubric([rubric_dir()], cache_dir=scratch / "cache")

        def validate(data: bytes) -> None:
            try:
                parse_reply(data.decode("utf-8", errors="replace"), rubric)
            except InvalidReply as err:
                for line in err.errors:
                    if "\n" in line:
                        raise AssertionError(f"a reply error is not one line: {line!r}") from None

        return validate

    raise SystemExit(f"fuzz: no target {name!r}; the targets are {', '.join(TARGETS)}")


def _seeds(name: str) -> list[bytes]:
    """Starting inputs: Candor's own examples of each format, so the fuzzer begins inside the parsers."""
    messages = sorted((ROOT / "tests" / "data" / "messages").glob("*"))
    texts = [p.read_bytes() for p in messages if p.is_file()][:20]
    rubric = sorted((ROOT / "prompts" / "rubric").glob("*.toml"))
    mail = (
        b"From: a@b.c\r\nSubject: =?utf-8?q?hi?=\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nSGkgVG9tLCBzb3JyeS4=\r\n--b\r\nContent-Type: text/html\r\n\r\n"
        b'<div class="gmail_quote"><blockquote>old</blockquote></div><p>Hi Tom, we missed it.</p>\r\n--b--\r\n'
    )
    if name == "text":
        return texts + [b"Hi Tom,\n\nQuick update.\n--\nThe launch slipped.\n> quoted\n"]
    if name == "eml":
        return [mail] + [t for t in texts if b"From:" in t[:200]]
    if name == "mbox":
        return [b"From a@b.c Mon Jan  1 00:00:00 2024\n" + mail.replace(b"\r\n", b"\n") + b"\nFrom x\n>From y\n"]
    if name == "csv":
        return [b'id,text,date\n1,"Hi Tom, sorry.",2024-01-01\n2,"The launch ""slipped"".",\n']
    if name == "jsonl":
        return [b'{"id": "1", "text": "Hi Tom, sorry."}\n{"text": "Late again.", "date": "2024-01-01"}\n[1]\n']
    if name == "config":
        return [
            b"engine = 'rules'\nsend_at = 4.0\nrubric_dirs = ['r']\n[llm]\nmodel = 'x'\ntimeout = 5\n",
            b"[tool.candor]\nblock_below = 2\n",
        ]
    if name == "rubric":
        return [p.read_bytes() for p in rubric]
    if name == "reply":
        return [
            b'{"dimensions": {"empathy": {"score": 3, "rationale": "ok", "evidence": ["sorry"]}}, "overall": 3}',
            b'```json\n{"dimensions": [{"id": "transparency", "score": 5}], "rewrite": "Hi"}\n```',
        ]
    return []


def _child(name: str, argv: list[str]) -> None:
    """Run one target under libFuzzer in this process (it exits when the budget is spent or a finding is made)."""
    import atheris

    scratch = Path(tempfile.mkdtemp(prefix=f"candor-fuzz-{name}-"))
    with atheris.instrument_imports(include=["reviewer"]):
        target = _target(name, scratch)
    atheris.instrument_all()  # the standard library's email, csv, json and tomllib code too

    def one_input(data: bytes) -> None:
        target(data)

    atheris.Setup([sys.argv[0], *argv], one_input)
    atheris.Fuzz()


def _replay(name: str, file: Path) -> int:
    """Run one saved input through a target without the fuzzer: the traceback, for debugging a finding."""
    scratch = Path(tempfile.mkdtemp(prefix=f"candor-replay-{name}-"))
    started = time.perf_counter()
    _target(name, scratch)(file.read_bytes())
    print(f"fuzz: {file} passes the {name} contract ({time.perf_counter() - started:.2f} s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fuzz/run.py", description="Fuzz Candor's parsers with atheris.")
    parser.add_argument("targets", nargs="*", metavar="TARGET", help="default: all of " + ", ".join(TARGETS))
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--seconds", type=int, default=60, help="time per target (default 60)")
    budget.add_argument("--runs", type=int, help="number of inputs per target, instead of a time")
    parser.add_argument("--timeout", type=int, default=10, help="seconds one input may take before it is a finding")
    parser.add_argument("--rss-limit-mb", type=int, default=2048, help="memory that makes an input a finding")
    parser.add_argument("--replay", type=Path, help="run this one saved input through --target instead")
    parser.add_argument("--target", choices=TARGETS, help="the target for --replay")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args(argv)
    if args.child:
        _child(args.child, [*rest, args.corpus])
        return 0
    if args.replay:
        if not args.target:
            parser.error("--replay needs --target")
        return _replay(args.target, args.replay)
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("fuzz: atheris is not installed: pip install -e '.[fuzz]'", file=sys.stderr)
        return 2
    unknown = [t for t in args.targets if t not in TARGETS]
    if unknown:
        parser.error(f"no target {unknown[0]!r}; the targets are {', '.join(TARGETS)}")
    failed = []
    for name in args.targets or TARGETS:
        corpus = HERE / "corpus" / name
        findings = HERE / "findings" / name
        corpus.mkdir(parents=True, exist_ok=True)
        findings.mkdir(parents=True, exist_ok=True)
        for n, seed in enumerate(_seeds(name)):
            (corpus / f"seed-{n}").write_bytes(seed)
        budget_flag = f"-runs={args.runs}" if args.runs is not None else f"-max_total_time={args.seconds}"
        command = [
            sys.executable, str(Path(__file__).resolve()), "--child", name, budget_flag,
            f"-timeout={args.timeout}", f"-rss_limit_mb={args.rss_limit_mb}", f"-max_len={MAX_BYTES}",
            f"-artifact_prefix={findings}{os.sep}", "-print_final_stats=1", f"--corpus={corpus}",
        ]  # fmt: skip
        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, errors="replace", cwd=ROOT)
        elapsed = time.monotonic() - started
        log = done.stdout + done.stderr
        (findings.parent / f"{name}.log").write_text(log[-200_000:], encoding="utf-8")
        runs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
        cov = re.findall(r"cov: (\d+)", log)
        status = "ok" if done.returncode == 0 else f"FINDING (exit {done.returncode}, see fuzz/findings/{name}.log)"
        print(
            f"{name:7} {runs[-1] if runs else '?':>8} inputs  cov {cov[-1] if cov else '?':>6}  {elapsed:6.0f} s  "
            f"{status}",
            flush=True,
        )
        if done.returncode != 0:
            failed.append(name)
    if failed:
        print(f"fuzz: findings in {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
