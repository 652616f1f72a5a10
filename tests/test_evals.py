"""The eval suite: metrics are right on known inputs, the data is well-formed, and the rules engine holds its
baseline on the test split."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from evals import metrics, runner
from reviewer import Reviewer
from reviewer.cli import main
from reviewer.config import Settings
from reviewer.errors import ExitCode
from reviewer.prompts import rubric_dir
from reviewer.service import rubric_for


def test_spearman_and_kappa_on_known_values() -> None:
    assert metrics.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert metrics.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert metrics.spearman([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(0.9487, abs=1e-3)  # ties get mean ranks
    assert math.isnan(metrics.spearman([1, 1, 1], [1, 2, 3]))
    assert metrics.quadratic_weighted_kappa([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]) == pytest.approx(1.0)
    assert metrics.quadratic_weighted_kappa([1, 5, 1, 5], [5, 1, 5, 1]) < 0
    assert metrics.mae([1, 2, 3], [2, 2, 5]) == pytest.approx(1.0)
    assert metrics.within_one([1, 2, 3], [2, 4, 3]) == pytest.approx(2 / 3)


def test_bootstrap_interval_contains_the_value_and_is_reproducible() -> None:
    gold = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]
    pred = [1, 3, 3, 4, 4, 2, 2, 3, 5, 5]
    first = metrics.bootstrap(metrics.spearman, gold, pred, resamples=200)
    assert first.low <= first.value <= first.high
    assert metrics.bootstrap(metrics.spearman, gold, pred, resamples=200) == first


def test_span_matching_by_overlap() -> None:
    score = metrics.span_score(gold=[(0, 10), (20, 30)], predicted=[(5, 8), (40, 45)])
    assert (score.precision, score.recall) == (0.5, 0.5)
    assert metrics.span_score([], []).predicted == 0


def test_the_labelled_data_is_complete_and_split_stratified() -> None:
    dev, test = runner.load_examples("dev"), runner.load_examples("test")
    assert len(dev) + len(test) >= 240
    assert not {e.id for e in dev} & {e.id for e in test}
    for example in dev + test:
        assert 40 <= len(example.text.split()) <= 350
        assert set(example.gold) == {
            "transparency",
            "empathy",
            "accountability",
            "solutions",
            "limited_excuses",
            "overall",
        }
        for span in example.spans:
            assert example.text[span["start"] : span["end"]] == span["quote"]
    situations = {e.situation for e in dev}
    assert situations == {e.situation for e in test} and len(situations) == 10
    for situation in situations:
        in_dev = sum(e.situation == situation for e in dev)
        in_test = sum(e.situation == situation for e in test)
        assert abs(in_dev - in_test) <= 3


@pytest.mark.parametrize("dataset", ["realistic", "own"])
def test_rules_engine_holds_the_baseline_on_the_test_split(dataset: str) -> None:
    """The realistic test split (messages by others, never tuned on) and the project's own test split."""
    baselines = json.loads(runner.BASELINE_PATH.read_text(encoding="utf-8"))
    reviewer = Reviewer()
    label, examples = runner.load_dataset(dataset, "test")
    outcomes = runner.run_engine(reviewer.review, examples)
    figures = runner.measure(outcomes, resamples=50)
    assert runner.compare_to_baseline(figures, baselines[label]) == []


def test_the_gate_never_blocks_a_message_the_raters_call_good() -> None:
    """On messages written by others, a false block is the costliest mistake (it teaches people to ignore the
    gate): none of the test split's messages rated 4 or more overall is blocked."""
    _, examples = runner.load_dataset("realistic", "test")
    outcomes = runner.run_engine(Reviewer().review, examples)
    assert runner.gate_figures(outcomes)["good_blocked"] == []


def test_a_drop_below_the_baseline_is_reported() -> None:
    figures = {
        "dimensions": {"empathy": {"spearman": {"value": 0.5}}},
        "verdict": {"accuracy": {"value": 0.8}},
        "spans": {"blame": {"f1": 0.7}},
    }
    drops = runner.compare_to_baseline(
        figures, {"spearman.empathy": 0.6, "verdict.accuracy": 0.81, "span_f1.blame": 0.7}
    )
    assert drops == ["spearman.empathy: 0.500 < baseline 0.600 - 0.03"]


def test_eval_command_writes_json_and_markdown(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    out = Path(str(tmp_path))
    code = main(["eval", "--split", "dev", "--limit", "30", "--resamples", "20", "--out", str(out), "--format", "json"])
    assert code == ExitCode.OK
    document = json.loads(capsys.readouterr().out)
    assert document["meta"]["engine"] == "rules" and document["figures"]["n"] == 30
    assert set(document["figures"]["dimensions"]) >= {"empathy", "overall"}
    assert (out / "rules-realistic_dev.json").is_file()
    markdown = (out / "rules-realistic_dev.md").read_text(encoding="utf-8")
    assert "| dimension | spearman |" in markdown and "Most wrong examples" in markdown


def test_update_baseline_only_from_the_full_test_split(capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    assert (
        main(
            ["eval", "--split", "dev", "--limit", "5", "--resamples", "5", "--out", str(tmp_path), "--update-baseline"]
        )
        == ExitCode.USAGE
    )
    assert "a baseline is the rules engine on a full test split" in capsys.readouterr().err


QWEN = "qwen2.5-coder-1.5b-instruct"


def test_the_committed_llm_recording_replays_offline(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    # The recording in evals/recordings was made against a real llama.cpp server (scripts/record-qwen). If what the
    # model sees changes (the prompts, or the rubric's questions, anchors or examples), replay must refuse it as
    # stale (exit 3) and this test asks for a new recording (see the README).
    meta = json.loads((runner.RECORDINGS_DIR / f"{QWEN}.meta.json").read_text(encoding="utf-8"))
    code = main(["eval", "--engine", "llm", "--model", QWEN, "--resamples", "20", "--out", str(tmp_path),
                 "--format", "json"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == ExitCode.OK, captured.err
    document = json.loads(captured.out)
    assert document["meta"]["source"] == "replayed" and document["meta"]["data"] == "realistic/test"
    figures = document["figures"]
    assert figures["n"] + len(figures["failed"]) == len(meta["ids"]) >= 10
    assert set(figures["dimensions"]) >= {"empathy", "overall"}


EXTRA_PATTERN = "  '''\\bour supplier let us down badly\\b''',"


def test_a_cue_the_model_never_sees_does_not_invalidate_the_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A copy of a built-in dimension with one more regex (same id: it replaces the built-in one): the rubric's hash
    # changes, the prompt the model reads does not, so the committed replies still answer.
    edited = tmp_path / "rubric"
    edited.mkdir()
    source = (rubric_dir() / "limited_excuses.toml").read_text(encoding="utf-8")
    cue = 'id = "blame-vendor"'
    head, found, tail = source.partition(cue)
    assert found
    (edited / "limited_excuses.toml").write_text(
        head + cue + tail.replace("patterns = [", "patterns = [\n" + EXTRA_PATTERN, 1), encoding="utf-8"
    )
    assert rubric_for(Settings(rubric_dirs=(edited,))).hash != Reviewer().rubric.hash

    code = main(["eval", "--engine", "rules+llm", "--model", QWEN, "--rubric-dir", str(edited),
                 "--resamples", "5", "--out", str(tmp_path / "runs"), "--format", "json"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == ExitCode.OK, captured.err
    assert json.loads(captured.out)["meta"]["source"] == "replayed"


def test_the_baseline_guards_figures_not_the_rubric_hash() -> None:
    # A rubric change that improves every figure passes; only a drop fails.
    baseline = json.loads(runner.BASELINE_PATH.read_text(encoding="utf-8"))
    assert set(baseline) == {"realistic/test", "own/test"}
    guarded: dict[str, float] = baseline["realistic/test"]

    def family(prefix: str) -> dict[str, float]:
        return {key.split(".", 1)[1]: value for key, value in guarded.items() if key.startswith(prefix)}

    better = {
        "dimensions": {dim: {"spearman": {"value": value + 0.1}} for dim, value in family("spearman.").items()},
        "verdict": {"accuracy": {"value": guarded["verdict.accuracy"] + 0.1}},
        "spans": {name: {"f1": value + 0.1} for name, value in family("span_f1.").items()},
    }
    assert runner.compare_to_baseline(better, guarded) == []


def test_a_message_the_model_cannot_review_is_reported_and_left_out() -> None:
    from reviewer.engines.rules import RulesEngine
    from reviewer.errors import EngineError
    from reviewer.models import Message, Review

    _, examples = runner.load_dataset("realistic", "dev")
    examples = examples[:4]
    rubric = Reviewer().rubric
    bad = examples[1].id

    def review(message: Message) -> Review:
        if message.source == bad:
            raise EngineError("the model's reply was not a valid review after one repair: not JSON")
        return RulesEngine().review(message, rubric)

    failures: list[tuple[str, str]] = []
    outcomes = runner.run_engine(review, examples, failures=failures)
    assert [o.example.id for o in outcomes] == [e.id for e in examples if e.id != bad]
    assert failures == [(bad, "the model's reply was not a valid review after one repair: not JSON")]
    with pytest.raises(EngineError):
        runner.run_engine(review, examples)  # the rules engine's runs never swallow an error


def test_a_set_labelled_with_scores_only_reports_no_span_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A team's own file with gold scores but no `spans`: the span table would show every flag as wrong."""
    rows = [json.loads(line) for line in runner.REALISTIC_DEV.read_text(encoding="utf-8").splitlines()[:6]]
    data = tmp_path / "my_team.jsonl"
    data.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "spans"}) + "\n" for r in rows), "utf-8")
    assert main(["eval", "--data", str(data), "--out", str(tmp_path / "runs"), "--resamples", "50"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert out.startswith("Candor eval: engine rules, set my_team.jsonl, 6 examples")
    assert "No problem phrases are labelled in this set" in out and "| blame |" not in out and "blame  " not in out
