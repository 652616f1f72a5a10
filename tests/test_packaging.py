"""The core stays light and headless, and the rubric is found from a checkout and from a built wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT

HEAVY = ("textual", "tui", "evals", "openai", "tiktoken", "langchain_core")


def test_core_and_cli_import_nothing_heavy() -> None:
    code = (
        "import sys, reviewer, reviewer.cli, reviewer.engines.rules, reviewer.inputs, reviewer.sources, reviewer.hook;"
        "import reviewer.commands;"
        "from reviewer.cli import main;"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"


def test_candor_check_on_rules_loads_no_ui_or_model_stack(tmp_path: Path) -> None:
    draft = tmp_path / "d.txt"
    draft.write_text("Hi Ana, the report is late. We will send it on Friday 14 June. Sorry.", encoding="utf-8")
    code = (
        "import sys; from reviewer.cli import main;"
        f"code = main(['check', {str(draft)!r}, '--format', 'json']);"
        f"print([m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT)
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_import_contract_of_the_core() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], capture_output=True, text=True, check=False, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_prompts_found_from_the_checkout() -> None:
    from reviewer.prompts import prompts_dir

    assert prompts_dir() == ROOT / "prompts"


def test_prompts_found_from_a_built_wheel(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(tmp_path.glob("candor-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "reviewer/_prompts/rubric/empathy.toml" in names and "reviewer/review.schema.json" in names
    assert "evals/data/test.jsonl" in names and "evals/baseline.json" in names  # `candor eval` works from a wheel
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    code = (
        "from reviewer.prompts import prompts_dir; from reviewer import review;"
        "print(prompts_dir()); print(review('Hi, the report is late, sorry. New date: 14 June.').verdict)"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(unpacked)!r}); {code}"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    where, verdict = result.stdout.split()
    assert Path(where) == unpacked / "reviewer" / "_prompts"
    assert verdict in {"send", "revise", "block"}
