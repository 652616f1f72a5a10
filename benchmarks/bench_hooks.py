"""How fast the pre-send hooks feel: figures to watch, not a pass/fail test.

    .venv/bin/python benchmarks/bench_hooks.py

Prints the wall time of `candor check` and `candor sendmail -- /bin/true` as new processes on a typical email
(median and worst of 9 runs), and the time from a `didChange` to the `publishDiagnostics` of `candor lsp` on a
500-word draft with the debounce set to zero (median and worst of 20 edits), so what is measured is the review and
the protocol, not the pause. Targets from issue 11: under 0.5 s for the commands, under 100 ms for the server.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "hooks"))
CANDOR = str(Path(sys.executable).with_name("candor"))

MAIL = (
    b"From: Sam Lee <sam@example.com>\nTo: Ana <ana@example.com>\nSubject: The launch date\n\n"
    b"Hi Ana,\n\nI'm sorry: we missed the 3 June date because I underestimated the data migration. I know your team "
    b"planned the launch around it, and this pushes your marketing too.\n\nThe new date is 17 June. Priya owns the "
    b"plan, and I'll send you an update every Friday at 10:00 until it is live. If a call would help, I can do "
    b"Thursday afternoon.\n\nBest,\nSam\n"
)


def timed(argv: list[str], data: bytes, runs: int = 9) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, input=data, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return times


def lsp_latency(edits: int = 20) -> list[float]:
    from lsp_client import LspClient

    words = (MAIL.decode().split("\n\n", 1)[1] + " ") * 6
    text = " ".join(words.split(" ")[:500])
    client = LspClient(dict(os.environ))
    try:
        client.request(
            "initialize",
            {"processId": None, "rootUri": None, "capabilities": {}, "initializationOptions": {"debounce_ms": 0}},
        )
        client.notify("initialized", {})
        uri = "file:///bench/draft.md"
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}},
        )
        client.diagnostics(uri, version=1)
        times = []
        for version in range(2, 2 + edits):
            change = {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "a"}
            started = time.perf_counter()
            client.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
            )
            client.diagnostics(uri, version=version)
            times.append(time.perf_counter() - started)
        return times
    finally:
        client.close()


def line(name: str, times: list[float]) -> str:
    return f"{name:<40} median {statistics.median(times) * 1000:6.0f} ms   worst {max(times) * 1000:6.0f} ms"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        draft = Path(folder, "mail.eml")
        draft.write_bytes(MAIL)
        timed([CANDOR, "check", str(draft)], b"", runs=1)  # prepare the cue patterns once
        print(line("candor check (new process)", timed([CANDOR, "check", str(draft)], b"")))
        print(line("candor sendmail -- /bin/true", timed([CANDOR, "sendmail", "--", "/bin/true"], MAIL)))
    print(line("candor lsp: didChange -> diagnostics", lsp_latency()))


if __name__ == "__main__":
    main()
