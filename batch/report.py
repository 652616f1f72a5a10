"""`candor report RESULTS`: how the messages of a batch have been going, as one offline HTML page or as Markdown.

The page is self-contained: its CSS, its data and its chart library (uPlot, vendored in `batch/vendor/` with its
licence) are inlined, and a Content-Security-Policy forbids fetching anything, because the messages are
confidential. The same figures go to Markdown for the terminal and for pasting. `summarize` is pure (results in,
figures out); the renderers only format them.
"""

from __future__ import annotations

import html
import json
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batch.sinks import read_results
from reviewer.atomic import write_atomic
from reviewer.batch import Result
from reviewer.errors import ConfigError

HERE = Path(__file__).parent
VENDOR = HERE / "vendor"
VERDICTS = ("send", "revise", "block")
TOP = 12
"""Rows in each "most frequent" and "by author / client" table."""
WORST = 10


@dataclass
class Group:
    """The messages of one month, author or client."""

    count: int = 0
    overall: list[float] = field(default_factory=list)
    verdicts: Counter[str] = field(default_factory=Counter)

    @property
    def mean(self) -> float:
        return round(statistics.fmean(self.overall), 2) if self.overall else 0.0


@dataclass
class Summary:
    reviewed: int = 0
    failed: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    mean_overall: float = 0.0
    dimensions: dict[str, Counter[int]] = field(default_factory=dict)
    """Each dimension's score distribution (score 1..5 -> count)."""
    months: dict[str, Group] = field(default_factory=dict)
    authors: dict[str, Group] = field(default_factory=dict)
    ungrouped: Counter[str] = field(default_factory=Counter)
    """Reviewed messages with no date / author / client, so in no month / author / client group: said beside them."""
    clients: dict[str, Group] = field(default_factory=dict)
    findings: Counter[str] = field(default_factory=Counter)
    """Problems (not positive findings), by rule: how many messages have it."""
    finding_text: dict[str, str] = field(default_factory=dict)
    missing: Counter[str] = field(default_factory=Counter)
    missing_text: dict[str, str] = field(default_factory=dict)
    worst: list[Result] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def share(self, verdict: str) -> float:
        return self.verdicts[verdict] / self.reviewed if self.reviewed else 0.0

    def dimension_mean(self, dimension: str) -> float:
        scores = self.dimensions.get(dimension, Counter())
        total = sum(scores.values())
        return round(sum(s * n for s, n in scores.items()) / total, 2) if total else 0.0


def summarize(results: Iterable[Result]) -> Summary:
    """The report's figures from batch results (reviewed and failed), in one pass, keeping only the worst texts."""
    summary = Summary()
    overall: list[float] = []
    groups: dict[str, dict[str, Group]] = {"month": {}, "author": {}, "client": {}}
    for result in results:
        if result.get("status") == "failed":
            summary.failed += 1
            summary.errors[str(result.get("stage") or "read")] += 1
            continue
        summary.reviewed += 1
        verdict = str(result["verdict"])
        summary.verdicts[verdict] += 1
        overall.append(float(result["overall"]))
        for dimension, score in (result.get("scores") or {}).items():
            summary.dimensions.setdefault(dimension, Counter())[int(score)] += 1
        keys = {"month": (result.get("date") or "")[:7], "author": result.get("author"), "client": result.get("client")}
        for kind, key in keys.items():
            if not key:
                summary.ungrouped[kind] += 1
            else:
                group = groups[kind].setdefault(str(key), Group())
                group.count += 1
                group.overall.append(float(result["overall"]))
                group.verdicts[verdict] += 1
        for rule in {f["rule"] for f in result.get("findings") or () if f["severity"] != "positive"}:
            summary.findings[rule] += 1
            summary.finding_text.setdefault(rule, next(f["message"] for f in result["findings"] if f["rule"] == rule))
        for missing in result.get("missing") or ():
            summary.missing[missing["id"]] += 1
            summary.missing_text.setdefault(missing["id"], missing["message"])
        summary.worst.append(result)
        summary.worst.sort(key=lambda r: (float(r["overall"]), str(r["key"])))
        del summary.worst[WORST:]
    summary.mean_overall = round(statistics.fmean(overall), 2) if overall else 0.0
    summary.months = dict(sorted(groups["month"].items()))
    summary.authors = _top(groups["author"])
    summary.clients = _top(groups["client"])
    return summary


_GROUP_KIND = {"By month": ("month", "date"), "By author": ("author", "author"), "By client": ("client", "client")}


def _ungrouped_note(summary: Summary, title: str) -> str:
    """"12 messages have no date and are in no month above." (so a chart's totals are not read as the batch's)."""
    kind, what = _GROUP_KIND[title]
    n = summary.ungrouped[kind]
    if not n:
        return ""
    have, are = ("s have", "are") if n != 1 else (" has", "is")
    return f"{n:,} message{have} no {what} and {are} in no {kind} above."


def _top(groups: dict[str, Group]) -> dict[str, Group]:
    return dict(sorted(groups.items(), key=lambda kv: (-kv[1].count, kv[0]))[:TOP])


def load(paths: Sequence[Path]) -> Summary:
    summary = summarize(r for path in paths for r in read_results(path))
    if summary.reviewed + summary.failed == 0:
        raise ConfigError(f"{', '.join(map(str, paths))}: no results to report on")
    return summary


# ---- Markdown ------------------------------------------------------------------------------------------------------


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def _signed(value: float, unit: str = "") -> str:
    text = f"{value:+.2f}" if unit != "%" else f"{100 * value:+.0f} pts"
    return text.replace("-0.00", "0.00").replace("+0.00", "0.00").replace("-0 pts", "0 pts").replace("+0 pts", "0 pts")


def _md_cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(summary: Summary, old: Summary | None = None) -> str:
    lines = [
        "# How the messages have been going",
        "",
        f"{summary.reviewed:,} messages reviewed, {summary.failed:,} could not be reviewed. "
        f"Mean overall score {summary.mean_overall:.2f} / 5.",
        "",
        "| verdict | messages | share |",
        "|---|---:|---:|",
        *(f"| {v} | {summary.verdicts[v]:,} | {_pct(summary.share(v))} |" for v in VERDICTS),
        "",
        "## Dimensions",
        "",
        "| dimension | mean | " + " | ".join(f"{s}" for s in range(1, 6)) + " |",
        "|---|---:|" + "---:|" * 5,
    ]
    for dimension, scores in summary.dimensions.items():
        counts = " | ".join(f"{scores[s]:,}" for s in range(1, 6))
        lines.append(f"| {dimension} | {summary.dimension_mean(dimension):.2f} | {counts} |")
    if old is not None:
        lines += [
            "",
            "## Compared with the earlier run",
            "",
            "| figure | earlier | now | change |",
            "|---|---:|---:|---:|",
        ]
        for label, before, now, unit in _comparison(summary, old):
            shown = (lambda x: _pct(x)) if unit == "%" else (lambda x: f"{x:.2f}")
            lines.append(f"| {label} | {shown(before)} | {shown(now)} | {_signed(now - before, unit)} |")
    for title, groups in (("By month", summary.months), ("By author", summary.authors), ("By client", summary.clients)):
        if not groups:
            continue
        lines += [
            "",
            f"## {title}",
            "",
            "| | messages | mean overall | send | revise | block |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, group in groups.items():
            counts = " | ".join(f"{group.verdicts[v]:,}" for v in VERDICTS)
            lines.append(f"| {_md_cell(name)} | {group.count:,} | {group.mean:.2f} | {counts} |")
        if note := _ungrouped_note(summary, title):
            lines += ["", note]
    lines += ["", "## Most frequent problems", "", "| finding | messages | what it means |", "|---|---:|---|"]
    lines += [f"| {r} | {n:,} | {_md_cell(summary.finding_text[r])} |" for r, n in summary.findings.most_common(TOP)]
    lines += ["", "## Most often missing", "", "| missing | messages | what it means |", "|---|---:|---|"]
    lines += [f"| {m} | {n:,} | {_md_cell(summary.missing_text[m])} |" for m, n in summary.missing.most_common(TOP)]
    lines += ["", "## The worst messages", ""]
    for result in summary.worst:
        flagged = ", ".join(f"“{f['quote']}” ({f['rule']})" for f in result["findings"] if f["severity"] != "positive")
        lines.append(
            f"- **{result['overall']:.2f} {result['verdict']}** {_md_cell(result['source'])}: {flagged or '-'}"
        )
    return "\n".join(lines) + "\n"


def _comparison(now: Summary, old: Summary) -> list[tuple[str, float, float, str]]:
    rows = [("mean overall", old.mean_overall, now.mean_overall, "")]
    rows += [(f"{v} share", old.share(v), now.share(v), "%") for v in VERDICTS]
    rows += [(f"{d} mean", old.dimension_mean(d), now.dimension_mean(d), "") for d in now.dimensions]
    return rows


# ---- HTML ----------------------------------------------------------------------------------------------------------

_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"


def _asset(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _highlighted(result: Result) -> str:
    """The message's text with its problem findings marked (offsets are into the reviewed text)."""
    text = str(result.get("text") or "")
    spans = sorted(
        (
            (f["start"], f["end"], f["severity"], f["message"])
            for f in result["findings"]
            if f["severity"] != "positive"
        ),
        key=lambda s: (s[0], -s[1]),
    )
    out, position = [], 0
    for start, end, severity, message in spans:
        if start < position or end > len(text):
            continue  # overlaps a span already marked
        out += [
            _e(text[position:start]),
            f'<mark class="{_e(severity)}" title="{_e(message)}">{_e(text[start:end])}</mark>',
        ]
        position = end
    out.append(_e(text[position:]))
    return "".join(out)


def _chart_data(summary: Summary) -> dict[str, Any]:
    def grouped(groups: dict[str, Group]) -> dict[str, list[Any]]:
        return {
            "labels": list(groups),
            **{v: [g.verdicts[v] for g in groups.values()] for v in VERDICTS},
            "mean": [g.mean for g in groups.values()],
        }

    top_findings = summary.findings.most_common(TOP)
    top_missing = summary.missing.most_common(TOP)
    return {
        "verdicts": [summary.verdicts[v] for v in VERDICTS],
        "dimensions": {d: [c[s] for s in range(1, 6)] for d, c in summary.dimensions.items()},
        "months": grouped(summary.months),
        "authors": grouped(summary.authors),
        "clients": grouped(summary.clients),
        "findings": {"labels": [r for r, _ in top_findings], "values": [n for _, n in top_findings]},
        "missing": {"labels": [m for m, _ in top_missing], "values": [n for _, n in top_missing]},
    }


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], numeric: set[int]) -> str:
    head = "".join(f'<th class="n">{_e(h)}</th>' if i in numeric else f"<th>{_e(h)}</th>" for i, h in enumerate(header))
    body = "".join(
        "<tr>"
        + "".join(f'<td class="n">{_e(c)}</td>' if i in numeric else f"<td>{_e(c)}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(summary: Summary, old: Summary | None = None, *, title: str = "Candor report") -> str:
    data = _chart_data(summary)
    if old is not None:
        previous = _chart_data(old)
        data["old"] = {"verdicts": previous["verdicts"], "dimensions": previous["dimensions"]}
    payload = json.dumps(data).replace("</", "<\\/")
    cards = "".join(
        f'<div class="card {v}"><b>{summary.verdicts[v]:,}</b>{v} ({_pct(summary.share(v))})</div>' for v in VERDICTS
    )
    compare = ""
    if old is not None:
        rows = []
        for label, before, now, unit in _comparison(summary, old):
            change = now - before
            shown = _pct if unit == "%" else (lambda x: f"{x:.2f}")
            better = change > 0 if not label.startswith(("block", "revise")) else change < 0
            css = "" if abs(change) < 1e-9 else ("up" if better else "down")
            rows.append(f"<tr><td>{_e(label)}</td><td class='n'>{shown(before)}</td><td class='n'>{shown(now)}</td>"
                        f"<td class='n {css}'>{_e(_signed(change, unit))}</td></tr>")  # fmt: skip
        compare = (
            "<h2>Compared with the earlier run</h2><table><thead><tr><th>figure</th><th class='n'>earlier</th>"
            "<th class='n'>now</th><th class='n'>change</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        )
    finding_rows = [(r, n, summary.finding_text[r]) for r, n in summary.findings.most_common(TOP)]
    missing_rows = [(m, n, summary.missing_text[m]) for m, n in summary.missing.most_common(TOP)]
    worst = "".join(
        f'<div class="msg"><b class="{_e(r["verdict"])}">{float(r["overall"]):.2f} {_e(r["verdict"])}</b> '
        f"{_e(r['source'])}{' · ' + _e(r['author']) if r.get('author') else ''}"
        f"{' · ' + _e(r['date']) if r.get('date') else ''}<pre>{_highlighted(r)}</pre></div>"
        for r in summary.worst
    )
    groups = "".join(
        f'<h2>{label}</h2><div class="grid" id="{key}"></div>'
        + (f'<p class="lead">{_e(note)}</p>' if (note := _ungrouped_note(summary, label)) else "")
        for key, label, groups in (
            ("months", "By month", summary.months),
            ("authors", "By author", summary.authors),
            ("clients", "By client", summary.clients),
        )
        if groups
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{_asset(VENDOR / "uPlot.min.css")}{_asset(HERE / "report.css")}</style>
</head><body>
<h1>{_e(title)}</h1>
<p class="lead">{summary.reviewed:,} messages reviewed, {summary.failed:,} could not be reviewed; mean overall score
{summary.mean_overall:.2f} / 5. Made offline by Candor: nothing on this page is fetched from anywhere.</p>
<div class="cards">{cards}</div>
{compare}
<h2>Verdicts and dimensions</h2><div class="grid" id="verdicts"></div><div class="grid" id="dimensions"></div>
{groups}
<h2>Most frequent problems</h2><div class="grid" id="findings"></div>
{_table(("finding", "messages", "what it means"), finding_rows, {1})}
<h2>Most often missing</h2><div class="grid" id="missing"></div>
{_table(("missing", "messages", "what it means"), missing_rows, {1})}
<h2>The worst messages</h2>{worst}
<script type="application/json" id="candor-data">{payload}</script>
<script>{_asset(VENDOR / "uPlot.iife.min.js")}</script>
<script>{_asset(HERE / "report.js")}</script>
</body></html>
"""


def write_report(
    results: Sequence[Path], out: Path | None, *, compare: Path | None = None, markdown: bool = False
) -> str | None:
    """Write the report to `out` (.html, or .md for Markdown); returns the Markdown when `markdown` is asked."""
    summary = load(results)
    old = load([compare]) if compare is not None else None
    if out is not None:
        text = (
            render_markdown(summary, old) if out.suffix.lower() in (".md", ".markdown") else render_html(summary, old)
        )
        try:
            write_atomic(out, text, tighten=True)  # a kill mid-write leaves the last report whole
        except OSError as err:
            raise ConfigError(f"{out}: cannot write the report: {err.strerror}") from None
    return render_markdown(summary, old) if markdown else None
