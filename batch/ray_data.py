"""Batch review beyond one machine: `reviewer.batch.review_records` mapped over a Ray Data dataset.

    pip install 'candor[ray]'
    python -m batch.ray_data tickets.jsonl results/ --text-col body --id-col ticket     # JSONL or Parquet in
    python -m batch.ray_data 's3://bucket/tickets/*.parquet' s3://bucket/reviews/ --format jsonl --address auto

Each block of rows becomes records, is reviewed by the same pure function `candor batch` uses, and comes back as
rows: `key`, `id`, `status`, `verdict`, `overall`, `error`, and `result`, the whole `candor.batch/1` result as JSON
(nested findings stay one column, so every block has the same Parquet schema). For the LLM engine, point every
worker at one shared OpenAI-compatible server (vLLM, llama.cpp, Ollama) with `--engine llm --base-url ...` and
bound the calls in flight with `--concurrency`. Ray is imported only here, never by the core or by `candor batch`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from reviewer.batch import Result, review_records
from reviewer.config import Settings

OUTPUT_COLUMNS = ("key", "id", "status", "verdict", "overall", "error", "result")


def records_from_rows(rows: Sequence[Mapping[str, Any]], *, text_col: str, id_col: str | None) -> list[dict[str, Any]]:
    """Rows of a dataset as `review_records` records (the id column, when named, is the key and the id)."""
    records = []
    for row in rows:
        record: dict[str, Any] = {"text": row.get(text_col)}
        if id_col and row.get(id_col) not in (None, ""):
            record["key"] = record["id"] = str(row[id_col])
        records.append(record)
    return records


def rows_from_results(results: Sequence[Result]) -> dict[str, list[Any]]:
    """Results as columns, the same for every block (so Parquet needs no schema merging)."""
    return {
        "key": [str(r["key"]) for r in results],
        "id": [str(r["id"]) for r in results],
        "status": [r["status"] for r in results],
        "verdict": [r.get("verdict") or "" for r in results],
        "overall": [float(r.get("overall") or 0.0) for r in results],
        "error": [r.get("error") or "" for r in results],
        "result": [json.dumps(r, ensure_ascii=False) for r in results],
    }


def review_block(block: Any, *, settings: Settings, text_col: str, id_col: str | None) -> dict[str, list[Any]]:
    """The `map_batches` function: one pandas block in, its results out."""
    rows = block.to_dict("records")
    return rows_from_results(review_records(records_from_rows(rows, text_col=text_col, id_col=id_col), settings))


def review_dataset(dataset: Any, settings: Settings, *, text_col: str = "text", id_col: str | None = None,
                   batch_size: int = 256, concurrency: int | None = None) -> Any:  # fmt: skip
    """A Ray dataset of results, one row per input row."""
    return dataset.map_batches(
        review_block,
        batch_format="pandas",
        batch_size=batch_size,
        fn_kwargs={"settings": settings, "text_col": text_col, "id_col": id_col},
        **({"concurrency": concurrency} if concurrency else {}),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m batch.ray_data", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="JSONL (.jsonl/.json) or Parquet files, a folder or a glob, local or remote")
    parser.add_argument("out", help="folder to write the results into")
    parser.add_argument("--format", choices=("parquet", "jsonl"), default="parquet")
    parser.add_argument("--text-col", default="text")
    parser.add_argument("--id-col")
    parser.add_argument("--engine", default="rules")
    parser.add_argument("--base-url", help="the shared OpenAI-compatible server, for --engine llm")
    parser.add_argument("--model")
    parser.add_argument("--concurrency", type=int, help="parallel review tasks (default: as Ray sees fit)")
    parser.add_argument("--address", help="a Ray cluster to join (default: start a local instance)")
    args = parser.parse_args(argv)

    import ray

    from reviewer.config import load_settings

    flags = {k: v for k, v in {"engine": args.engine, "base_url": args.base_url, "model": args.model}.items() if v}
    settings = load_settings(flags).settings
    ray.init(address=args.address, include_dashboard=False, log_to_driver=False)
    reader = ray.data.read_parquet if args.source.endswith(".parquet") else ray.data.read_json
    results = review_dataset(reader(args.source), settings, text_col=args.text_col, id_col=args.id_col,
                             concurrency=args.concurrency)  # fmt: skip
    (results.write_parquet if args.format == "parquet" else results.write_json)(args.out)
    print(f"candor: results written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
