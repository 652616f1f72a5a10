"""The Ray Data path: a real local Ray instance reviews JSONL rows with `map_batches`, writes Parquet, and its
results equal the single-process `review_records` for the same messages. Needs `pip install 'candor[ray]'`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewer.batch import review_records
from reviewer.config import Settings

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'candor[ray]'")

TEXTS = (
    "Hi Ana, I'm sorry: we missed the 3 June date because I underestimated the migration. New date: 17 June. "
    "Priya owns the plan, and I'll send you an update every Friday at 10:00.",
    "Hi Ana, it slipped because your team didn't send the content on time. We'll get to it ASAP.",
    "Hi Ana, the report is late. We will send it soon.",
    "> only a quoted line",
)


def test_ray_data_results_equal_the_single_process_run(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from batch.ray_data import main

    source = tmp_path / "tickets.jsonl"
    rows = [
        {"body": TEXTS[n % len(TEXTS)] + ("" if n % 4 == 3 else f" Ref {n}."), "ticket": f"T-{n}"} for n in range(40)
    ]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "reviews"
    try:
        assert main([str(source), str(out), "--text-col", "body", "--id-col", "ticket", "--concurrency", "2"]) == 0
    finally:
        ray.shutdown()
    table = pq.read_table(out).to_pylist()
    from_ray = {row["id"]: json.loads(row["result"]) for row in table}
    records = [{"key": r["ticket"], "id": r["ticket"], "text": r["body"]} for r in rows]
    single = {r["id"]: r for r in review_records(records, Settings())}
    assert len(table) == len(rows) and from_ray == single
    assert {r["status"] for r in single.values()} == {"reviewed", "failed"}
