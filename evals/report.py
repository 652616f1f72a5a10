"""Render eval figures as a terminal table and as a Markdown report."""

from __future__ import annotations

from typing import Any


def _fmt(estimate: dict[str, float]) -> str:
    return f"{estimate['value']:.2f} [{estimate['low']:.2f}, {estimate['high']:.2f}]"


def _rows(figures: dict[str, Any]) -> list[list[str]]:
    return [
        [dim, _fmt(v["spearman"]), _fmt(v["qwk"]), _fmt(v["mae"]), _fmt(v["within_1"])]
        for dim, v in figures["dimensions"].items()
    ]


def _table(header: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return lines + ["| " + " | ".join(row) + " |" for row in rows]
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header), fmt.format(*("-" * w for w in widths))] + [fmt.format(*row) for row in rows]


def render(meta: dict[str, Any], figures: dict[str, Any], *, markdown: bool = False) -> str:
    h = "## " if markdown else ""
    out = []
    # A named set has splits; a file (--data FILE) is reviewed whole.
    where = f"split {meta['split']}" if "/" in str(meta.get("data", "")) else f"set {meta.get('data', meta['split'])}"
    title = f"Candor eval: engine {meta['engine']}, {where}, {figures['n']} examples"
    out.append(("# " if markdown else "") + title)
    out.append("")
    out.append(f"{h}Agreement with gold scores (95% bootstrap intervals)")
    out += _table(["dimension", "spearman", "qwk", "mae", "within-1"], _rows(figures), markdown)
    out.append("")
    verdict = figures["verdict"]
    out.append(f"{h}Verdict accuracy: {_fmt(verdict['accuracy'])}")
    labels = list(verdict["confusion"])
    out += _table(
        ["gold \\ predicted", *labels],
        [[g, *(str(verdict["confusion"][g][p]) for p in labels)] for g in labels],
        markdown,
    )
    out.append("")
    out.append(f"{h}Phrase spans (overlap match)")
    if not figures["spans"]["all"]["gold"]:
        # A set labelled with scores only: every flag would read as wrong (precision 0.00), which measures nothing.
        out.append("No problem phrases are labelled in this set: span figures not measured.")
    else:
        out += _table(
            ["family", "gold", "predicted", "precision", "recall", "f1"],
            [
                [fam, str(v["gold"]), str(v["predicted"]), f"{v['precision']:.2f}", f"{v['recall']:.2f}"]
                + [f"{v['f1']:.2f}"]
                for fam, v in figures["spans"].items()
            ],
            markdown,
        )
    out.append("")
    out.append(f"{h}Most wrong examples")
    out += _table(
        ["id", "situation", "gold verdict", "verdict", "gold overall", "overall", "abs error"],
        [
            [
                w["id"],
                w["situation"],
                w["gold_verdict"],
                w["verdict"],
                str(w["gold_overall"]),
                f"{w['overall']:.2f}",
                f"{w['abs_error']:.1f}",
            ]
            for w in figures["worst"]
        ],
        markdown,
    )
    rewrites = figures.get("rewrites")
    if rewrites:
        out.append("")
        out.append(f"{h}Suggested rewrites (re-reviewed by the same engine, placeholders unfilled)")
        out.append(
            f"drafts below send whose rewrite scores higher: {rewrites['below_send_higher']} of "
            f"{rewrites['below_send']} ({rewrites['share_below_send_higher']:.0%}); rewrites scoring higher: "
            f"{rewrites['higher']} of {rewrites['rewritten']}; scoring lower on any dimension: "
            f"{rewrites['lower_somewhere']}; keeping every fact: {rewrites['facts_kept']} of {rewrites['rewritten']}"
        )
        if rewrites.get("below_send_not_higher"):
            why = ", ".join(f"{reason} {count}" for reason, count in sorted(rewrites["below_send_not_higher"].items()))
            out.append(f"drafts below send whose rewrite does not score higher: {why}")
        if "below_send_higher_once_filled" in rewrites:
            filled = rewrites.get("below_send_not_higher_but_higher_once_filled", {})
            of_them = ", ".join(f"{reason} {count}" for reason, count in sorted(filled.items()) if count)
            out.append(
                f"projected with sample values in their blanks: {rewrites['below_send_higher_once_filled']} of "
                f"{rewrites['below_send']} score higher once filled in"
                + (f" (of the others: {of_them})" if of_them else "")
            )
    facts = figures.get("fact_check")
    if facts:
        out.append(
            f"fact check on {facts['pairs']} labelled rewrite pairs ({facts['changed']} with facts really changed): "
            f"precision {facts['precision']:.2f}, recall {facts['recall']:.2f}"
        )
    if "consistency" in figures:
        out.append("")
        out.append(f"{h}Consistency across repeated runs")
        out += _table(
            ["dimension", "mean spread", "max spread", "messages"],
            [
                [d, f"{v['mean_spread']:.2f}", f"{v['max_spread']:.0f}", str(v["messages"])]
                for d, v in figures["consistency"].items()
            ],
            markdown,
        )
    out.append("")
    out.append(f"median review time {figures['timing']['median_ms']} ms")
    return "\n".join(out) + "\n"
