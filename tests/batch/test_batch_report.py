"""`candor report`: the figures of a batch, as Markdown and as a self-contained offline HTML page that a real
headless Chromium renders with its charts and without console errors."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from batch.report import summarize
from reviewer.cli import main
from reviewer.errors import ExitCode

GOOD = (
    "Hi {c}, I'm sorry: we missed the 3 June date because I underestimated the migration. I know your team "
    "planned the launch around it. New date: 17 June. Priya owns the plan, and I'll send you an update every "
    "Friday at 10:00. Happy to talk it through on a call."
)
BLAMING = "Hi {c}, it slipped because your team didn't send the content on time. We'll get to it ASAP."
MEH = "Hi {c}, the report is late. We will send it soon."
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def team(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """A help-desk export: (text, author, client, date) per row."""
    with path.open("w", encoding="utf-8") as file:
        for n, (text, author, client, date) in enumerate(rows):
            file.write(
                json.dumps({"body": text.format(c=client) + f" Ref {n}.", "agent": author, "org": client, "sent": date})
            )
            file.write("\n")
    return path


def batch(source: Path, out: Path, *, expect: ExitCode = ExitCode.BLOCKED) -> None:
    code = main(
        ["batch", str(source), "-o", str(out), "-q", "--text-col", "body", "--author-col", "agent",
         "--client-col", "org", "--date-col", "sent"]
    )  # fmt: skip
    assert code == expect


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    """An earlier run where Tom blamed the client, and a later one where he mostly stopped."""
    old = team(
        tmp_path / "june.jsonl",
        [(BLAMING, "Tom", "Acme", "2026-06-02"), (BLAMING, "Tom", "Globex", "2026-06-09"),
         (MEH, "Sue", "Acme", "2026-06-11"), (GOOD, "Sue", "Globex", "2026-06-20")],
    )  # fmt: skip
    new = team(
        tmp_path / "july.jsonl",
        [(GOOD, "Tom", "Acme", "2026-07-01"), (GOOD, "Tom", "Globex", "2026-07-08"),
         (MEH, "Sue", "Acme", "2026-07-15"), (BLAMING, "Tom", "Acme", "2026-08-02")],
    )  # fmt: skip
    batch(old, tmp_path / "june.results.jsonl")
    (tmp_path / "july.jsonl").open("a", encoding="utf-8").write("{broken\n")
    batch(new, tmp_path / "july.results.db", expect=ExitCode.USAGE)  # the broken line could not be read
    return tmp_path / "june.results.jsonl", tmp_path / "july.results.db"


def test_the_figures_follow_the_results(runs: tuple[Path, Path]) -> None:
    from batch.sinks import read_results

    old, new = (summarize(read_results(p)) for p in runs)
    assert (new.reviewed, new.failed) == (4, 1) and old.reviewed == 4
    assert new.mean_overall > old.mean_overall  # fewer blaming messages: it improved
    assert list(new.months) == ["2026-07", "2026-08"] and new.months["2026-07"].count == 3
    assert new.authors["Tom"].count == 3 and set(new.clients) == {"Acme", "Globex"}
    assert old.findings["blame-client"] == 2 and new.findings["blame-client"] == 1
    worst = new.worst[0]
    assert worst["author"] == "Tom" and worst["date"] == "2026-08-02"  # the blaming one, lowest first
    # A message with no date is in no month: the report says so beside the months, so totals are not misread.
    from batch.report import render_markdown

    undated = [{**r, "date": None} if n == 0 else r for n, r in enumerate(read_results(runs[0]))]
    shown = render_markdown(summarize(undated))
    assert "1 message has no date and is in no month above." in shown
    assert "no author" not in shown and "no date" not in render_markdown(new)
    assert [float(r["overall"]) for r in new.worst] == sorted(float(r["overall"]) for r in new.worst)


def test_markdown_report_with_a_comparison(runs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    old, new = runs
    assert main(["report", str(new), "--compare", str(old)]) == ExitCode.OK
    out = capsys.readouterr().out
    for heading in ("## Dimensions", "## Compared with the earlier run", "## By month", "## By author", "## By client",
                    "## Most frequent problems", "## Most often missing", "## The worst messages"):  # fmt: skip
        assert heading in out
    assert re.search(r"\| mean overall \| [\d.]+ \| [\d.]+ \| \+[\d.]+ \|", out)
    assert "| blame-client | 1 |" in out and "“because your team didn't send the content on” (blame-client)" in out
    assert "4 messages reviewed, 1 could not be reviewed" in out


def test_html_report_is_self_contained_and_fetches_nothing(runs: tuple[Path, Path]) -> None:
    old, new = runs
    page = new.with_suffix(".html")
    assert main(["report", str(new), "--compare", str(old), "-o", str(page)]) == ExitCode.OK
    html = page.read_text(encoding="utf-8")
    assert "default-src 'none'" in html  # the browser itself refuses any fetch
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html) and "@import" not in html
    assert "uPlot" in html and len(html) < 200_000
    assert '<mark class="critical"' in html and "because your team didn&#x27;t send the content on</mark>" in html
    assert main(["report", str(tmp_missing := new.with_name("nope.jsonl"))]) == ExitCode.USAGE
    assert not tmp_missing.exists()


def test_report_of_a_file_that_is_not_results_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.jsonl").write_text("hello\n", encoding="utf-8")
    assert main(["report", str(tmp_path / "notes.jsonl")]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.startswith("candor: error:") and len(err.splitlines()) == 1


CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run",
)  # fmt: skip


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/test installs it)")
def test_the_page_renders_in_headless_chromium_with_its_charts_and_no_console_errors(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    old, new = runs
    page = tmp_path / "report.html"
    assert (
        main(["batch", str(tmp_path / "july.jsonl"), "-o", str(new), "-q", "--text-col", "body", "--report", str(page)])
        == ExitCode.USAGE
    )  # fmt: skip (the broken line is a failure)
    assert page.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert main(["report", str(new), "--compare", str(old), "-o", str(page)]) == ExitCode.OK
    assert CHROMIUM is not None
    command = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
               "--v=0", "--virtual-time-budget=5000", "--dump-dom", page.as_uri()]  # fmt: skip
    shown = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert shown.returncode == 0, shown.stderr[-2000:]
    body = re.search(r"<body[^>]*>", shown.stdout)
    assert body, shown.stdout[:500]
    charts = int(re.search(r'data-charts="(\d+)"', body.group(0)).group(1))  # type: ignore[union-attr]
    assert 'data-errors="0"' in body.group(0)
    # verdicts, five dimensions, by month (verdicts and scores), by author, by client, findings, missing
    assert charts == 1 + 5 + 2 + 1 + 1 + 1 + 1
    assert shown.stdout.count('class="uplot') == charts and shown.stdout.count("<canvas") >= charts
    console = [line for line in shown.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/test installs it)")
def test_long_labels_are_tilted_on_a_chart_that_takes_the_whole_row(tmp_path: Path) -> None:
    """A dozen rule ids under the bars ran into each other; now a chart too wide for a grid cell spans the row and
    tilts labels wider than their slot, while short labels (send / revise / block) stay level."""
    from tests.conftest import ROOT

    folder = tmp_path / "past"
    folder.mkdir()
    lines = (ROOT / "evals/data/realistic/dev.jsonl").read_text(encoding="utf-8").splitlines()[:60]
    for n, line in enumerate(lines):
        (folder / f"m{n:02d}.txt").write_text(json.loads(line)["text"], encoding="utf-8")
    page = tmp_path / "report.html"
    main(["batch", str(folder), "-o", str(tmp_path / "past.jsonl"), "-q", "--report", str(page)])
    assert CHROMIUM is not None
    command = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000",
               "--dump-dom", page.as_uri()]  # fmt: skip
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False).stdout
    assert 'data-errors="0"' in dom

    def chart(section: str) -> str:
        found = re.search(rf'id="{section}"[^>]*>\s*<div class="chart"([^>]*)>', dom)
        assert found, section
        return found.group(1)

    assert 'data-tilt="1"' in chart("findings") and "grid-column: 1 / -1" in chart("findings")
    assert 'data-tilt="0"' in chart("verdicts") and "grid-column" not in chart("verdicts")
