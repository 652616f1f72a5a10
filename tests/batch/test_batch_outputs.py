"""`candor batch` end to end: JSONL, CSV and SQLite outputs hold one result per message, failures are recorded
with their reason, the exit code tells whether any failed, and a run killed at random moments (SIGKILL, SIGINT)
and started again finishes the batch with nothing lost, duplicated or torn."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reviewer.batch import review_records
from reviewer.cli import main
from reviewer.config import Settings
from reviewer.errors import ExitCode
from tests.drafts import BLAMING, GOOD, MEH


def sources(tmp_path: Path) -> list[str]:
    folder = tmp_path / "drafts"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x89PNG\x00\x00")
    rows = tmp_path / "desk.csv"
    rows.write_text(f'text,agent\n"{BLAMING}",Tom\n"{MEH}",Sue\n', encoding="utf-8")
    lines = tmp_path / "more.jsonl"
    lines.write_text(json.dumps({"text": GOOD, "agent": "Ana"}) + "\n{oops\n", encoding="utf-8")
    return [str(folder), str(rows), str(lines), "--author-col", "agent"]


def jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_output_and_its_errors_file_and_a_rerun_that_reviews_nothing_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.jsonl"
    assert main(["batch", *sources(tmp_path), "--out", str(out)]) == ExitCode.USAGE  # two could not be read
    results, errors = jsonl(out), jsonl(tmp_path / "results.errors.jsonl")
    assert [Path(str(r["source"])).name for r in results] == ["good.txt", "desk.csv#1", "desk.csv#2", "more.jsonl#1"]
    assert {r["schema"] for r in results + errors} == {"candor.batch/1"}
    assert [r["author"] for r in results] == [None, "Tom", "Sue", "Ana"]
    good, blaming = results[0], results[1]
    assert blaming["overall"] < good["overall"] and blaming["verdict"] == "block"
    assert set(good["scores"]) == {"transparency", "empathy", "accountability", "solutions", "limited_excuses"}
    assert sorted(Path(str(e["source"])).name for e in errors) == ["binary.txt", "more.jsonl#2"]
    assert all(e["stage"] == "read" and e["error"] and e["exit_code"] == 2 for e in errors)
    summary = capsys.readouterr().err
    assert "4 reviewed" in summary and "2 failed" in summary

    assert main(["batch", *sources_again(tmp_path), "--out", str(out)]) == ExitCode.USAGE
    assert jsonl(out) == results and len(jsonl(tmp_path / "results.errors.jsonl")) == 2
    assert "0 reviewed, 6 skipped" in capsys.readouterr().err


def sources_again(tmp_path: Path) -> list[str]:
    return [str(tmp_path / "drafts"), str(tmp_path / "desk.csv"), str(tmp_path / "more.jsonl"), "--author-col", "agent"]


def test_worker_processes_write_the_same_jsonl_bytes_and_summary_as_one_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With several jobs the workers encode the JSON lines and the parent only writes them: the files and the
    summary must be those of the single-process run, byte for byte, across several chunks and a failed read."""
    args = sources(tmp_path)
    for n in range(70):  # three chunks of 32 for the workers
        (tmp_path / "drafts" / f"more-{n:02d}.txt").write_text([GOOD, BLAMING, MEH][n % 3] + f" Ref {n}.\n")
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}.jsonl"
        assert main(["batch", *args, "--out", str(out), "--jobs", jobs]) == ExitCode.USAGE
        told = capsys.readouterr().err.replace(out.stem, "OUT").splitlines()
        summary = [line.split(" in ")[0] for line in told if "so far" not in line]  # times differ
        outputs[jobs] = (out.read_bytes(), (tmp_path / f"jobs{jobs}.errors.jsonl").read_bytes(), summary)
    assert outputs["2"] == outputs["1"]
    results = outputs["1"][0].decode().splitlines()
    assert len(results) == 74 and "74 reviewed" in outputs["1"][2][0]


def test_all_good_exits_0_and_a_blocked_message_exits_1(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "good.txt").write_text(GOOD, encoding="utf-8")
    assert main(["batch", str(tmp_path / "a"), "-o", str(tmp_path / "a.jsonl"), "-q"]) == ExitCode.OK
    (tmp_path / "a" / "bad.txt").write_text(BLAMING, encoding="utf-8")
    assert main(["batch", str(tmp_path / "a"), "-o", str(tmp_path / "a.jsonl"), "-q"]) == ExitCode.BLOCKED
    assert len(jsonl(tmp_path / "a.jsonl")) == 2


def test_csv_and_sqlite_outputs_hold_the_same_results_as_jsonl(tmp_path: Path) -> None:
    args = sources(tmp_path)
    for name in ("r.jsonl", "r.csv", "r.db"):
        assert main(["batch", *args, "-o", str(tmp_path / name), "-q", "--jobs", "1"]) == ExitCode.USAGE
    expected = {
        (r["key"], r["verdict"], r["overall"], json.dumps(r["scores"], sort_keys=True))
        for r in jsonl(tmp_path / "r.jsonl")
    }

    with (tmp_path / "r.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    dims = [c for c in rows[0] if c.startswith("score_")]
    from_csv = {
        (r["key"], r["verdict"], float(r["overall"]), json.dumps({d[6:]: int(r[d]) for d in dims}, sort_keys=True))
        for r in rows
    }
    assert from_csv == expected
    assert "blame-client" in next(r for r in rows if r["key"].endswith("desk.csv#1"))["findings"]
    with (tmp_path / "r.errors.csv").open(encoding="utf-8", newline="") as file:
        assert len(list(csv.DictReader(file))) == 2

    db = sqlite3.connect(tmp_path / "r.db")
    assert db.execute("PRAGMA user_version").fetchone() == (1,)
    assert db.execute("SELECT value FROM meta WHERE name='schema'").fetchone() == ("candor.batch/1",)
    scores = {
        key: json.dumps(
            dict(db.execute("SELECT dimension, score FROM scores WHERE key=?", (key,)).fetchall()), sort_keys=True
        )
        for (key,) in db.execute("SELECT key FROM messages")
    }
    from_db = {(k, v, o, scores[k]) for k, v, o in db.execute("SELECT key, verdict, overall FROM messages")}
    assert from_db == expected
    assert db.execute("SELECT count(*) FROM errors").fetchone() == (2,)
    (rule,) = db.execute(
        "SELECT f.rule FROM findings f JOIN messages m USING (key) WHERE m.author='Tom' AND f.severity='critical'"
    ).fetchone()
    assert rule.startswith("blame")
    indexes = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"messages_verdict", "messages_author", "findings_rule", "scores_dimension"} <= indexes


def test_an_output_that_is_not_results_is_one_clear_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "notes.db").write_bytes(b"this is not sqlite" * 100)
    assert main(["batch", str(tmp_path / "good.txt"), "-o", str(tmp_path / "notes.db")]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.startswith("candor: error:") and "not a results database" in err and len(err.splitlines()) == 1
    assert (tmp_path / "notes.db").read_bytes() == b"this is not sqlite" * 100


def archive(path: Path, count: int) -> set[str]:
    """A JSONL archive of `count` distinct messages; returns their keys."""
    texts = (GOOD, BLAMING, MEH)
    with path.open("w", encoding="utf-8") as file:
        for n in range(count):
            file.write(json.dumps({"text": f"{texts[n % 3]} Ref {n}.", "n": n}) + "\n")
    return {f"{path}#{n}" for n in range(1, count + 1)}


def orphans(marker: str) -> list[int]:
    """Processes still running whose command line names `marker` (the output of a batch that was killed)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def candor_batch(*args: str) -> list[str]:
    """The installed `candor` command, as a user runs it (a Ctrl-C while it is still importing is one line too)."""
    return [str(Path(sys.executable).parent / "candor"), "batch", *args]


def test_an_interrupt_sent_to_the_parent_alone_ends_the_batch_promptly(tmp_path: Path) -> None:
    """A supervisor's SIGINT reaches the parent only (not the workers, as a terminal's Ctrl-C would): the batch
    must still end at once with 130, not wait on workers idle on their queue (an acceptance pass saw one in three
    hang before the parent ended its workers itself)."""
    archive(tmp_path / "archive.jsonl", 20000)
    out = tmp_path / "results.jsonl"
    command = candor_batch(str(tmp_path / "archive.jsonl"), "-o", str(out), "--jobs", "2", "-q")
    for round_ in range(3):
        size = out.stat().st_size if out.exists() else 0
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        started = time.monotonic()
        while process.poll() is None and time.monotonic() - started < 60:
            if out.exists() and out.stat().st_size > size:
                break
            time.sleep(0.02)
        time.sleep(0.1 * round_)
        if process.poll() is not None:
            break
        process.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        _, err = process.communicate(timeout=30)
        assert process.returncode == ExitCode.INTERRUPTED, err.decode()[-500:]
        assert time.monotonic() - interrupted < 10, "the batch took too long to stop"
    deadline = time.monotonic() + 5
    while orphans(str(out)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert orphans(str(out)) == []


def test_a_background_batch_started_with_sigint_ignored_still_stops_on_sigint(tmp_path: Path) -> None:
    """`candor batch ... &` in a shell script starts with SIGINT ignored (as POSIX shells start background jobs):
    a later `kill -INT` must still end it with 130, not let it run to the end."""
    archive(tmp_path / "archive.jsonl", 20000)
    out = tmp_path / "results.jsonl"
    command = candor_batch(str(tmp_path / "archive.jsonl"), "-o", str(out), "--jobs", "2", "-q")
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # noqa: PLW1509 - what a shell does
    )
    started = time.monotonic()
    while not (out.exists() and out.stat().st_size) and time.monotonic() - started < 60:
        time.sleep(0.02)
    assert process.poll() is None, "finished before it could be interrupted: make the archive larger"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == ExitCode.INTERRUPTED, err.decode()[-500:]
    assert len(out.read_text(encoding="utf-8").splitlines()) < 20000


@pytest.mark.parametrize("name", ["results.jsonl", "results.db", "results.csv"])
def test_a_batch_killed_at_random_moments_and_restarted_finishes_with_each_message_once(
    tmp_path: Path, name: str
) -> None:
    keys = archive(tmp_path / "archive.jsonl", 6000)
    out = tmp_path / name
    command = candor_batch(str(tmp_path / "archive.jsonl"), "-o", str(out), "--jobs", "2")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    chance = random.Random(f"{name}-{time.time()}")
    kills = 0
    for signum in (signal.SIGKILL, signal.SIGINT, signal.SIGKILL):
        log = tmp_path / f"stderr-{kills}.txt"
        with log.open("wb") as stderr:
            size = out.stat().st_size if out.exists() else 0
            process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
            # Kill once it is writing results, not while Python is still importing on a loaded machine (there
            # Ctrl-C is Python's own, not Candor's); then at a random moment of the writing.
            started = time.monotonic()
            while process.poll() is None and time.monotonic() - started < 60:
                if out.exists() and out.stat().st_size > size:
                    break
                time.sleep(0.02)
            time.sleep(chance.uniform(0.0, 0.8))
            if process.poll() is None:
                process.send_signal(signum)
                kills += 1
            returncode = process.wait(timeout=60)
        if signum == signal.SIGINT:
            assert returncode in (ExitCode.INTERRUPTED, ExitCode.BLOCKED), log.read_text()
            assert "Traceback" not in log.read_text()
    assert kills >= 2, "the batch finished before it could be killed: make the archive larger"
    deadline = time.monotonic() + 5
    while orphans(str(out)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert orphans(str(out)) == [], "a worker outlived its killed batch"
    finished = subprocess.run(command, env=env, capture_output=True, timeout=300)
    assert finished.returncode == ExitCode.BLOCKED, finished.stderr.decode()[-2000:]

    if name.endswith(".db"):
        db = sqlite3.connect(out)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        recorded = [k for (k,) in db.execute("SELECT key FROM messages")]
        verdicts = dict(db.execute("SELECT key, verdict FROM messages").fetchall())
        assert db.execute("SELECT count(*) FROM scores").fetchone() == (5 * len(keys),)
    elif name.endswith(".csv"):
        raw = out.read_bytes()
        assert raw.endswith(b"\n")
        with out.open(encoding="utf-8", newline="") as file:
            rows = list(csv.DictReader(file))
        assert all(r["schema"] == "candor.batch/1" for r in rows)  # every row whole, to its last column
        recorded = [r["key"] for r in rows]
        verdicts = {r["key"]: r["verdict"] for r in rows}
    else:
        raw = out.read_bytes()
        assert raw.endswith(b"\n")
        results = [json.loads(line) for line in raw.splitlines()]  # no torn line: every line parses
        recorded = [str(r["key"]) for r in results]
        verdicts = {str(r["key"]): str(r["verdict"]) for r in results}
    assert len(recorded) == len(set(recorded)), "a message was recorded twice"
    assert set(recorded) == keys, "a message was lost"
    lines = (tmp_path / "archive.jsonl").read_text(encoding="utf-8").splitlines()
    records = [{"key": f"{tmp_path / 'archive.jsonl'}#{n}", **json.loads(line)} for n, line in enumerate(lines, 1)]
    sample = chance.sample(records, 60)
    uninterrupted = {r["key"]: r["verdict"] for r in review_records(sample, Settings(cache=False))}
    assert {k: verdicts[k] for k in uninterrupted} == uninterrupted  # what was recorded is what a whole run gives


@pytest.mark.parametrize("name", ["r.jsonl", "r.db"])
def test_messages_the_engine_failed_on_are_retried_by_the_next_run_and_unreadable_ones_are_not(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "in" / "b.txt").write_bytes(b"\x00binary")
    out = str(tmp_path / name)
    down = ["--engine", "llm", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--jobs", "1"]
    assert main(["batch", str(tmp_path / "in"), "-o", out, *down]) == ExitCode.ENGINE
    assert "can" in capsys.readouterr().err  # the summary, not a traceback
    assert main(["batch", str(tmp_path / "in"), "-o", out, "--engine", "rules"]) == ExitCode.USAGE  # b is still bad
    assert "1 reviewed, 1 skipped" in capsys.readouterr().err

    from batch.sinks import read_results

    results = list(read_results(Path(out)))
    assert sorted((Path(str(r["key"])).name, r["status"]) for r in results) == [
        ("a.txt", "reviewed"),
        ("b.txt", "failed"),
    ]


def test_batch_leaves_the_rewrite_out_unless_asked_and_the_judgement_is_the_same_either_way(tmp_path: Path) -> None:
    """The rewrite is not needed to judge past messages (and costs extra reviews): left out by default, recorded
    with --rewrite, as `candor check` would suggest it; the verdicts, scores and findings do not change."""
    from reviewer.service import Reviewer

    plain, with_rewrite, inputs = tmp_path / "plain.jsonl", tmp_path / "rewrite.jsonl", sources(tmp_path)
    assert main(["batch", *inputs, "--out", str(plain), "-q"]) == ExitCode.USAGE
    assert main(["batch", *inputs, "--out", str(with_rewrite), "-q", "--rewrite"]) == ExitCode.USAGE
    without, including = jsonl(plain), jsonl(with_rewrite)
    assert all("rewrite" not in r for r in without)
    assert [{k: v for k, v in r.items() if k != "rewrite"} for r in including] == without
    reviewer = Reviewer(Settings(cache=False))
    for result in including:
        expected = reviewer.review_text(str(result["text"])).rewrite
        if expected is None:
            assert result["rewrite"] is None
        else:
            shown = {"text": expected.text, "overall": expected.overall, "verdict": expected.verdict}
            assert result["rewrite"] == shown
    assert any(r["rewrite"] for r in including)


def test_rewrite_with_a_csv_or_sqlite_output_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.db"
    assert main(["batch", *sources(tmp_path), "--out", str(out), "--rewrite"]) == ExitCode.USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--rewrite" in err[0] and "JSONL" in err[0]
    assert not out.exists()


def test_a_log_s_last_progress_line_agrees_with_the_summary() -> None:
    """Not on a terminal, a line is written at most once a second, so the one before the summary was stale
    ("0 reviewed, 1 failed" above "8 reviewed, 3 failed"): closing writes the counts as they finally are."""
    import io

    from batch.progress import Progress
    from batch.runner import Tally

    log = io.StringIO()
    progress, tally = Progress(quiet=False, stream=log), Tally()
    tally.failed = 1
    progress.update(tally)
    tally.reviewed, tally.failed = 8, 3
    progress.update(tally)  # within the same second: not written
    progress.close()
    lines = log.getvalue().splitlines()
    assert lines[0].startswith("candor batch: so far 0 reviewed, 1 failed, 0 skipped")
    assert lines[-1].startswith("candor batch: so far 8 reviewed, 3 failed, 0 skipped") and len(lines) == 2
    progress.close()  # nothing new to say: nothing written
    assert len(log.getvalue().splitlines()) == 2


def test_an_unknown_results_suffix_is_refused_not_written_as_json_lines(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "results.parquet"
    done = subprocess.run(candor_batch(str(tmp_path / "a.txt"), "-o", str(out)), capture_output=True, text=True)
    assert done.returncode == ExitCode.USAGE and "unknown results format '.parquet'" in done.stderr
    assert not out.exists()
