"""ARCHITECTURE.md draws the same layers as the import-linter contract that enforces them."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import ROOT


def test_the_layers_in_architecture_md_are_the_enforced_ones() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    enforced = [sorted(m.strip() for m in layer.split("|")) for layer in layers["layers"]]
    page = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    table = page.split("| layer (top to bottom) |", 1)[1].split("\n\n", 1)[0]
    drawn = [sorted(re.findall(r"`(\w+)`", row.split("|", 2)[2])) for row in table.splitlines()[2:]]
    assert drawn == enforced
