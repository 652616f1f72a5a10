"""`candor batch`'s workers read the files of one message themselves (`reviewer.sources.iter_work`): every result,
failure and id is what reading them in the parent gave, in the same order, with one job or several."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batch.runner import run_batch
from batch.sinks import JsonlSink
from reviewer.batch import record_from_item, refused_result, review_record
from reviewer.config import Settings
from reviewer.sources import ReadOptions, Refused, Unread, iter_messages, iter_work
from tests.batch.test_batch_inputs import mail, mbox
from tests.drafts import BLAMING, GOOD, MEH


def mixed_sources(tmp_path: Path) -> list[str]:
    """A folder of every kind of file (good, quoted, broken, empty, not UTF-8, a Maildir), a container, a file
    named on its own and one that is missing, so that worker and parent reads interleave."""
    folder = tmp_path / "drafts"
    (folder / "Sent" / "cur").mkdir(parents=True)
    for part in ("new", "tmp"):
        (folder / "Sent" / part).mkdir()
    for n in range(40):  # more than one chunk
        (folder / f"note-{n:02d}.txt").write_text((GOOD, BLAMING, MEH)[n % 3] + f"\nRef {n}.\n", encoding="utf-8")
    (folder / "latin.txt").write_bytes("Nous sommes désolés du retard.".encode("latin-1"))
    (folder / "empty.md").write_text("  \n", encoding="utf-8")
    (folder / "reply.eml").write_bytes(mail(MEH, 4, quoted="\nOn Mon, Dana wrote:\n> Where is it?\n"))
    (folder / "scan.eml").write_bytes(b"Subject: scan\nContent-Type: application/pdf\n\nJVBERi0=\n")
    (folder / "Sent" / "cur" / "1717490000.M1P2.host:2,S").write_bytes(mail(BLAMING, 1))
    (tmp_path / "sent.mbox").write_bytes(mbox(mail(GOOD, 2), b"Subject: x\nContent-Type: image/png\n\nAA==\n"))
    (tmp_path / "rows.jsonl").write_text(json.dumps({"text": MEH}) + "\n{oops\n", encoding="utf-8")
    (tmp_path / "alone.txt").write_text(BLAMING, encoding="utf-8")
    return [str(folder), str(tmp_path / "sent.mbox"), str(tmp_path / "rows.jsonl"), str(tmp_path / "alone.txt"),
            str(tmp_path / "missing.txt"), str(folder / "reply.eml")]  # fmt: skip


def read_by_the_parent(sources: list[str], options: ReadOptions, settings: Settings) -> tuple[bytes, bytes]:
    """The results and errors files as they were when the parent read every source: each message read in
    order, then reviewed (or its refusal recorded), a message named twice only once."""
    results, errors, seen = [], [], set()
    for item in iter_messages(sources, options, refused="yield"):
        result = refused_result(item) if isinstance(item, Refused) else review_record(record_from_item(item), settings)
        if result["key"] not in seen:
            seen.add(result["key"])
            (errors if result["status"] == "failed" else results).append(JsonlSink.encode(result))
    return "".join(results).encode(), "".join(errors).encode()


@pytest.mark.parametrize("jobs", [1, 2])
def test_workers_reading_the_files_record_what_the_parent_reading_them_did(tmp_path: Path, jobs: int) -> None:
    sources, options, settings = mixed_sources(tmp_path), ReadOptions(), Settings()
    expected_results, expected_errors = read_by_the_parent(sources, options, settings)
    sink = JsonlSink(tmp_path / "out.jsonl")
    tally = run_batch(sources, options, settings, sink, jobs=jobs)
    sink.close()
    assert (tmp_path / "out.jsonl").read_bytes() == expected_results
    assert (tmp_path / "out.errors.jsonl").read_bytes() == expected_errors
    failed = [json.loads(line) for line in expected_errors.splitlines()]
    assert {Path(f["source"]).name for f in failed} == {
        "latin.txt", "empty.md", "scan.eml", "sent.mbox#2", "rows.jsonl#2", "missing.txt",
    }  # fmt: skip
    assert all(f["stage"] == "read" for f in failed)
    assert (tally.reviewed, tally.failed, tally.skipped) == (45, 6, 1)  # reply.eml named twice

    again = JsonlSink(tmp_path / "out.jsonl")  # a rerun finds everything recorded, unreadable files included
    tally = run_batch(sources, options, settings, again, jobs=jobs)
    again.close()
    assert (tally.reviewed, tally.failed, tally.skipped) == (0, 0, 52)
    assert (tmp_path / "out.jsonl").read_bytes() == expected_results


def test_only_files_of_one_message_are_left_unread_and_each_reads_as_it_would_have(tmp_path: Path) -> None:
    sources, options = mixed_sources(tmp_path), ReadOptions()
    work, items = list(iter_work(sources, options)), list(iter_messages(sources, options, refused="yield"))
    assert [w.where for w in work] == [i.where for i in items]
    unread = [w for w in work if isinstance(w, Unread)]
    assert {Path(w.where).suffix for w in unread if "Sent" not in w.where} == {".txt", ".md", ".eml"}
    assert [w.reader.__name__ for w in unread if "Sent" in w.where] == ["read_maildir_file"]
    assert all(isinstance(w, Unread) != ("#" in w.where) for w in work)  # containers are read where they are walked
    for deferred, item in zip(work, items, strict=True):
        if isinstance(deferred, Unread):
            read = deferred.read(options)
            if isinstance(item, Refused):  # exceptions compare by identity: compare what a refusal records
                assert isinstance(read, Refused)
                assert (read.where, str(read.error), read.error.exit_code, read.raw) == (
                    item.where, str(item.error), item.error.exit_code, item.raw,
                )  # fmt: skip
            else:
                assert read == item
