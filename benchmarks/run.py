"""Every batch benchmark in one command: a table of figure, target and comparison, measured in the same run, and
JSON for later comparison. Figures, not asserts (this shared 2-core VM varies by up to 50% from run to run).

    .venv/bin/python benchmarks/run.py                     # the full sizes (100,000 messages for memory: minutes)
    .venv/bin/python benchmarks/run.py --quick             # smaller sizes, for a quick look
    .venv/bin/python benchmarks/run.py --json bench.json   # where the JSON goes (default: benchmarks/results.json)

1. `candor batch` (rules engine, whole command) against `proselint check` (a benchmark-only dependency:
   `pip install 'candor[bench]'`) on the same folder of real client messages of about 200 words (the realistic
   corpus's, `real_folder`): time, messages per second, checks run; and `candor batch --rewrite` on it too (the
   rewrite, left out by default, is reviewed as well). Then both again on synthetic messages in which every
   sentence is written to trigger cues (`message`), reported as the stress case.
2. Peak memory of `candor batch` (all its processes together) over a JSONL archive of 100,000 messages.
3. One review as the draft grows (50, 500, 5,000, 50,000 words): time per word, so worse-than-linear cost shows.
4. The LLM engine against a local server that answers each call in 1 s, at concurrency 16: messages per second,
   and Candor's own time beyond the server's, as a share of the call.
5. Each adversarial input of issue 13 against the 1 s target (`benchmarks/bench_limits.py`).

Before anything is timed, Candor's own packages are byte-compiled (`compile_candor`), as `pip install` compiles an
installed copy and proselint's: this machine sets `PYTHONDONTWRITEBYTECODE=1`, under which an editable checkout
would otherwise compile its modules from source at every start. A one-message batch then fills the cache folder
with the rubric's prepared patterns and regex programs, as any run after the first finds them.

The table ends with the load average at the start and the end: the machine is shared, so absolute figures read
low when it is busy, and ratios measured in one run are the figures to compare.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_limits import bench_limits  # noqa: E402
from bench_limits import rows as limit_rows  # noqa: E402

from reviewer.models import Message  # noqa: E402
from reviewer.service import Reviewer, rubric_for  # noqa: E402

PYTHON = sys.executable
CANDOR = [PYTHON, "-c", "import sys; from reviewer.cli import main; sys.exit(main(sys.argv[1:]))"]
SENTENCES = (
    "I'm sorry: we missed the 3 June date for the reporting dashboard because I underestimated the migration.",
    "Unfortunately there has been a slight delay due to our vendor's late API changes.",
    "I know your team planned the launch around it, and that this moves your own plans.",
    "The new date is 17 June; Priya owns the plan and will check in with your team on Wednesday.",
    "We apologize for any inconvenience this may have caused and will have it ready ASAP.",
    "It slipped because your team did not send the content on time, so it is not really on us.",
    "Here are two options: ship the core reports on Friday, or wait a week for the full set.",
    "I'll send you an update every Friday at 10:00 until it is live.",
    "The budget will be about 12,000 EUR over, because the integration took longer than I estimated.",
    "Happy to talk it through on a call tomorrow if that helps.",
    "Going forward we will add a buffer to every estimate and review the plan with you each week.",
    "To be honest, these things happen in projects of this size and there is not much we could do.",
)


def message(rng: random.Random, words: int) -> str:
    """A client message of about `words` words, from sentences that trigger a realistic mix of cues."""
    parts = ["Hi Dana,", ""]
    count = 2
    while count < words:
        sentence = rng.choice(SENTENCES)
        parts.append(sentence)
        count += len(sentence.split())
    parts += ["", "Best,", "Sam"]
    return " ".join(parts[:2]) + "\n\n" + " ".join(parts[2:-3]) + "\n\nBest,\nSam\n"


def load() -> list[float]:
    """The load average (1, 5 and 15 minutes): on a shared machine, what the absolute figures should be read with."""
    return [round(x, 2) for x in os.getloadavg()]


def timed(command: list[str], **kwargs: Any) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False, **kwargs)
    return time.perf_counter() - started, done


def compile_candor() -> list[str]:
    """Byte-compile Candor's packages (those its wheel holds) so every timed command starts as an installed copy
    does: under `PYTHONDONTWRITEBYTECODE=1` Python still reads compiled files, but never writes them, so an
    editable checkout would compile each of its modules from source at every start (about 370 million
    instructions, a fifth of the batch's fixed cost), which proselint, compiled by pip, never pays."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages: list[str] = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    for package in packages:
        if not compileall.compile_dir(ROOT / package, quiet=1):
            raise SystemExit(f"benchmark: could not byte-compile {package}")
    return packages


def warm_cache(folder: Path, work: Path) -> None:
    """One message's `candor batch`, untimed: it saves the rubric's prepared patterns and regex programs in the
    cache folder if they are not there yet (after an install or a rubric change), as every later run finds them."""
    single = work / "warm-up"
    single.mkdir()
    shutil.copy(next(folder.iterdir()), single)
    done = subprocess.run([*CANDOR, "batch", str(single), "-o", str(work / "warm-up.jsonl"), "-q"], capture_output=True)
    assert done.returncode in (0, 1), done.stderr.decode()[-500:]


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        stack += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


REALISTIC = (ROOT / "evals/data/realistic/dev.jsonl", ROOT / "evals/data/realistic/test.jsonl")
REAL_WORDS = (150, 250)
"""The headline batch figures are measured on real client messages of about 200 words: those of this length in
both splits of the realistic corpus (paraphrases already in the repository), cycled to fill the folder. Only their
text is read, and only to time the commands: nothing is tuned on them."""


def real_messages() -> list[str]:
    """The realistic corpus's messages of 150-250 words (188 of them, about 193 words on average)."""
    texts = [
        json.loads(line)["text"]
        for path in REALISTIC
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [text for text in texts if REAL_WORDS[0] <= len(text.split()) <= REAL_WORDS[1]]


def real_folder(folder: Path, count: int) -> None:
    """`count` files of real messages, cycled. Every file differs (a reference line at the end): `candor batch`'s
    workers keep small per-process caches keyed by the text (its sentences, its analysis, its facts), so an
    identical text met again could reuse work instead of measuring it. proselint reads the same files."""
    texts = real_messages()
    folder.mkdir()
    for n in range(count):
        text = texts[n % len(texts)].rstrip() + f"\n\nRef {n:05d}.\n"
        (folder / f"{n:06d}.txt").write_text(text, encoding="utf-8")


def synthetic_folder(folder: Path, count: int) -> None:
    """`count` synthetic messages of about 200 words (`message`: every sentence written to trigger cues, about 36
    findings a message): the stress case. Each is drawn at random, so they differ."""
    rng = random.Random(7)
    folder.mkdir()
    for n in range(count):
        (folder / f"{n:06d}.txt").write_text(message(rng, 200), encoding="utf-8")


def bench_batch_vs_proselint(folder: Path, work: Path, *, rewrite: bool) -> dict[str, Any]:
    """`candor batch` (and with `--rewrite` if asked) and `proselint check` as whole commands on the same folder."""
    count = sum(1 for _ in folder.iterdir())
    out = work / f"{folder.name}.jsonl"
    candor_s, done = timed([*CANDOR, "batch", str(folder), "-o", str(out), "-q"])
    assert done.returncode in (0, 1), done.stderr.decode()[-500:]
    figures: dict[str, Any] = {"messages": count, "candor_s": candor_s, "candor_per_s": count / candor_s}
    figures["words_mean"] = sum(len(p.read_text(encoding="utf-8").split()) for p in folder.iterdir()) / count
    if rewrite:
        out = work / f"{folder.name}-rewrite.jsonl"
        rewrite_s, done = timed([*CANDOR, "batch", str(folder), "-o", str(out), "-q", "--rewrite"])
        assert done.returncode in (0, 1), done.stderr.decode()[-500:]
        figures.update(rewrite_s=rewrite_s, rewrite_per_s=count / rewrite_s)
    rubric = rubric_for(Reviewer().settings)
    figures["candor_checks"] = sum(len(d.cues) + len(d.checks) for d in rubric.dimensions)
    figures["candor_patterns"] = sum(len(c.patterns) for d in rubric.dimensions for c in d.cues)
    proselint = shutil.which("proselint") or str(Path(PYTHON).with_name("proselint"))
    if Path(proselint).exists():
        proselint_s, _ = timed([proselint, "check", str(folder), "-o", "compact"])
        from proselint.checks import __register__

        figures.update(proselint_s=proselint_s, proselint_per_s=count / proselint_s, proselint_checks=len(__register__))
        figures["speedup"] = proselint_s / candor_s
    return figures


def bench_memory(work: Path, count: int) -> dict[str, Any]:
    rng = random.Random(11)
    archive = work / "archive.jsonl"
    with archive.open("w", encoding="utf-8") as file:
        for n in range(count):
            file.write(json.dumps({"text": message(rng, 200), "id": n}) + "\n")
    process = subprocess.Popen(
        [*CANDOR, "batch", str(archive), "-o", str(work / "memory.jsonl"), "-q"], stderr=subprocess.DEVNULL
    )
    peak = 0.0
    started = time.perf_counter()
    while process.poll() is None:
        peak = max(peak, tree_rss_mb(process.pid))
        time.sleep(0.25)
    elapsed = time.perf_counter() - started
    return {"messages": count, "archive_mb": archive.stat().st_size / 2**20, "peak_mb": peak, "seconds": elapsed}


def bench_scaling() -> dict[str, Any]:
    reviewer = Reviewer(Reviewer().settings.replace(cache=False))
    rng = random.Random(3)
    rows = {}
    for words in (50, 500, 5_000, 50_000):
        text = message(rng, words)
        rounds = max(1, 20_000 // words)
        reviewer.review(Message(text=text))  # warm
        started = time.perf_counter()
        for _ in range(rounds):
            reviewer.review(Message(text=text))
        seconds = (time.perf_counter() - started) / rounds
        rows[words] = {"ms": seconds * 1000, "us_per_word": seconds * 1e6 / words}
    return rows


class SlowServer:
    """An OpenAI-compatible server that answers every chat call in `delay` seconds with a valid review."""

    def __init__(self, content: str, delay: float) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_POST(self) -> None:
                arrived = time.perf_counter()  # the request line and headers are in: what follows is the server's
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                time.sleep(server.delay)
                reply = {
                    "id": "chatcmpl-bench", "object": "chat.completion", "created": 0, "model": body.get("model"),
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": server.content},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 900, "completion_tokens": 300, "total_tokens": 1200},
                }  # fmt: skip
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                with server.lock:
                    server.calls.append((arrived, time.perf_counter()))

        self.content, self.delay = content, delay
        self.calls: list[tuple[float, float]] = []
        """(request read, reply sent) of every call, on this process's clock"""
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


@contextmanager
def slow_server(delay: float) -> Iterator[SlowServer]:
    from bench_llm import canned_reply

    server = SlowServer(canned_reply(rubric_for(Reviewer().settings)), delay)
    try:
        yield server
    finally:
        server.close()


def bench_llm(work: Path, count: int, concurrency: int = 16, delay: float = 1.0) -> dict[str, Any]:
    """Two runs: one message (start-up, imports and one cold call), then `count`. Candor's own time per call is
    read from the server's clock, which start-up cannot blur: after the first call (made alone, so the engine is
    ready before the threads start), `concurrency` threads keep the server busy, and each call's cycle (from one
    request to the next on the same thread) is the server's `delay` plus Candor's own work. So the steady rate is
    the calls after the first over the time from the second call's arrival to the last reply, and the overhead
    is how much longer than `delay` that makes each call's cycle."""
    from bench_llm import DRAFT

    runs = {}
    with slow_server(delay) as server:
        flags = ["--engine", "llm", "--base-url", server.base_url, "--model", "bench", "--jobs", str(concurrency)]
        env = {**os.environ, "CANDOR_CACHE_DIR": str(work / "llm-cache"), "CANDOR_API_KEY": "bench"}
        for size in (1, count):
            folder = work / f"llm-{size}"
            folder.mkdir()
            for n in range(size):
                (folder / f"{n:04d}.txt").write_text(DRAFT + f"\nRef {n}.\n", encoding="utf-8")
            out = work / f"llm-{size}.jsonl"
            server.calls.clear()
            seconds, done = timed([*CANDOR, "batch", str(folder), "-o", str(out), "-q", "--no-cache", *flags], env=env)
            failed = (work / f"llm-{size}.errors.jsonl").read_text(encoding="utf-8").count("\n")
            runs[size] = {"seconds": seconds, "failed": failed, "exit": done.returncode, "calls": sorted(server.calls)}
    calls = runs[count]["calls"]
    steady_calls = len(calls) - 1
    window = max(done for _, done in calls) - calls[1][0] if steady_calls > 0 else float("nan")
    cycle = concurrency * window / steady_calls if steady_calls > 0 else float("nan")
    return {
        "messages": count,
        "calls": len(calls),
        "failed": runs[count]["failed"] + runs[1]["failed"],
        "seconds": runs[count]["seconds"],
        "per_s": count / runs[count]["seconds"],
        "steady_per_s": steady_calls / window,
        "startup_s": runs[1]["seconds"],
        "cycle_s": cycle,
        "overhead_share": max(0.0, (cycle - delay) / delay),
    }


def batch_rows(label: str, b: dict[str, Any], target: str) -> list[tuple[str, str, str, str]]:
    """The table's rows for one folder: `candor batch`'s rate, and how it compares with proselint's."""
    rows = [
        (
            label,
            f"{b['candor_per_s']:,.0f} msg/s",
            target,
            f"{b['messages']:,} messages of {b['words_mean']:.0f} words on average in {b['candor_s']:.1f} s",
        )
    ]
    if "speedup" in b:
        rows.append(
            (
                "  against proselint",
                f"{b['speedup']:.1f}x faster",
                ">= 5x, more checks",
                f"proselint {b['proselint_per_s']:,.0f} msg/s; checks {b['candor_checks']} "
                f"({b['candor_patterns']} patterns) vs {b['proselint_checks']}",
            )
        )
    else:
        rows.append(("  against proselint", "not measured", ">= 5x", "pip install proselint"))
    return rows  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description="Run every batch benchmark and print one table.")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a few seconds each)")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results.json")
    args = parser.parse_args()
    quick = {"batch": 500, "memory": 5_000, "llm": 65}
    sizes = quick if args.quick else {"batch": 5_000, "memory": 100_000, "llm": 321}
    results: dict[str, Any] = {
        "quick": args.quick, "cpus": os.cpu_count(), "when": time.strftime("%Y-%m-%d %H:%M"), "load": load()
    }  # fmt: skip
    results["compiled"] = compile_candor()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print("running: candor batch vs proselint, real messages ...", file=sys.stderr)
        real_folder(work / "real", sizes["batch"])
        warm_cache(work / "real", work)
        results["batch"] = bench_batch_vs_proselint(work / "real", work, rewrite=True)
        print("running: candor batch vs proselint, synthetic messages (every sentence a cue) ...", file=sys.stderr)
        synthetic_folder(work / "synthetic", sizes["batch"])
        results["batch_stress"] = bench_batch_vs_proselint(work / "synthetic", work, rewrite=False)
        print("running: peak memory ...", file=sys.stderr)
        results["memory"] = bench_memory(work, sizes["memory"])
        print("running: scaling with length ...", file=sys.stderr)
        results["scaling"] = bench_scaling()
        print("running: LLM engine at concurrency 16 ...", file=sys.stderr)
        results["llm"] = bench_llm(work, sizes["llm"])
        print("running: adversarial inputs ...", file=sys.stderr)
        results["limits"] = bench_limits(rounds=1 if args.quick else 3)
    results["load_after"] = load()
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    b, m, s, llm = results["batch"], results["memory"], results["scaling"], results["llm"]
    rows = batch_rows("candor batch, rules, real ~200 words", b, ">= 1,000 msg/s")
    rows.append(("  with --rewrite", f"{b['rewrite_per_s']:,.0f} msg/s", "",
                 f"{b['rewrite_s'] / b['candor_s']:.1f}x the time without (the rewrite is reviewed too)"))  # fmt: skip
    rows += batch_rows("stress: synthetic, every sentence a cue", results["batch_stress"], "")
    rows.append((f"peak memory, {m['messages']:,} messages", f"{m['peak_mb']:,.0f} MB", "< 300 MB",
                 f"archive {m['archive_mb']:,.0f} MB, {m['seconds']:.0f} s"))  # fmt: skip
    base = s[50]["us_per_word"]
    for words, row in s.items():
        rate = f"{row['us_per_word']:.1f} us/word ({row['us_per_word'] / base:.1f}x the 50-word rate)"
        rows.append((f"one review, {words:,} words", f"{row['ms']:,.1f} ms", "linear", rate))
    rows.append(("LLM, 1 s server, concurrency 16", f"{llm['steady_per_s']:.1f} msg/s", ">= 12 msg/s",
                 f"whole run {llm['per_s']:.1f} msg/s incl. {llm['startup_s']:.1f} s start-up and first call; "
                 f"{llm['failed']} failed"))  # fmt: skip
    rows.append(("  Candor's overhead per call", f"{100 * llm['overhead_share']:.1f}%", "< 5%",
                 f"each call's cycle {llm['cycle_s']:.3f} s for the server's 1 s (on the server's clock)"))  # fmt: skip
    rows += limit_rows(results["limits"])
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    print(f"{'figure':<{widths[0]}}  {'measured':<{widths[1]}}  {'target':<{widths[2]}}  comparison")
    for row in rows:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")
    before, after = results["load"], results["load_after"]
    print(f"\nload average (1, 5, 15 min) on {results['cpus']} CPUs: {before} at the start, {after} at the end;")
    print("the machine is shared, so compare figures measured in the same run (ratios) more than absolute ones.")
    print(f"\nJSON: {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
