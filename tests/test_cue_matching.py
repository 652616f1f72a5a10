"""The rules engine's shortcuts never lose a match: the one-pass literal finder, and the literal sets that decide
which sentences a cue pattern is run on (its triggers and the other sets it requires)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.engines import rules
from reviewer.engines.rules import _Compiled, _compiled, _sentence_spans, find_cues
from reviewer.models import Message
from reviewer.patterns import CuePattern
from reviewer.service import Reviewer
from reviewer.text import analysed, lowered, profile

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def reviewer() -> Reviewer:
    return Reviewer()


def _dev_texts() -> list[str]:
    texts = []
    for path in (ROOT / "evals/data/realistic/dev.jsonl", ROOT / "evals/data/dev.jsonl"):
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]
    return texts


def _examples(reviewer: Reviewer) -> list[str]:
    return [e for dim in reviewer.rubric.dimensions for cue in dim.cues for e in (*cue.fires, *cue.quiet)]


def test_every_match_holds_a_trigger_and_one_literal_of_each_required_set(reviewer: Reviewer) -> None:
    compiled = _compiled(reviewer.rubric)
    texts = _examples(reviewer) + _dev_texts()
    checked = 0
    for pattern in compiled.patterns:
        prepared = pattern.pattern
        if prepared.triggers is None:
            continue
        for text in texts:
            for match in prepared.regex.finditer(lowered(text) if prepared.on_lowered else text):
                found = lowered(match.group(0))
                for needed in (prepared.triggers, *prepared.requires):
                    assert any(literal in found for literal in needed), (prepared.source, found, sorted(needed))
                checked += 1
    assert checked > 1000  # the rubric's examples and the dev messages do match a great deal


def test_required_sets_are_found_inside_groups_and_repeats() -> None:
    pattern = CuePattern(r"\b(?:sorry|apologi[sz]e)\b (?:for|about) (?:the|this) (?:delay(?:ed)?|slip)\b")
    assert pattern.triggers is not None
    sets = {pattern.triggers, *pattern.requires}
    assert frozenset({"delay", "slip"}) in sets and frozenset({"sorry", "apologi"}) in sets
    assert all(s.isdisjoint({"the", "this", "for"}) for s in pattern.requires)  # too common to filter


def _brute_force(compiled: _Compiled, text: str) -> dict[str, int]:
    """Every literal -> the sentence windows holding it whole, by `str.find` at every offset."""
    low = lowered(text)
    out: dict[str, int] = {}
    for i, (start, end) in enumerate(_sentence_spans(analysed(text))):
        for literal in compiled.prefixes:
            at = low.find(literal, start, end)
            if at != -1:
                out[literal] = out.get(literal, 0) | 1 << i
    return out


def _found(compiled: _Compiled, text: str) -> dict[str, int]:
    return compiled.sentences_by_literal(_sentence_spans(analysed(text)), lowered(text))


def test_the_literal_finder_finds_every_occurrence_of_every_literal(reviewer: Reviewer) -> None:
    compiled = _compiled(reviewer.rubric)
    for text in _dev_texts()[:120] + _examples(reviewer)[:200]:
        assert _found(compiled, text) == _brute_force(compiled, text)


PIECES = ["sorry", "delay", "delayed", "d", "ela", "lay", " ", ". ", "We ", "\n\n"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_overlapping_and_nested_literals_are_all_found(pieces: list[str]) -> None:
    literals = ["delay", "delayed", "lay", "elay", "so", "sorry", "y. w", "ay"]
    patterns = [rules._Pattern(CuePattern(re.escape(w)), None, frozenset([w])) for w in literals]  # type: ignore[arg-type]
    compiled = _Compiled([patterns])
    text = "".join(pieces)
    assert _found(compiled, text) == _brute_force(compiled, text)


def test_gating_finds_what_running_every_pattern_on_every_sentence_finds(
    reviewer: Reviewer, monkeypatch: pytest.MonkeyPatch
) -> None:
    rubric = reviewer.rubric
    texts = _dev_texts()
    news = [profile(t, rubric.lexicon.news) for t in texts]
    gated = [find_cues(t, rubric, n) for t, n in zip(texts, news, strict=True)]

    def everything(self: _Compiled, literal_sentences: dict[str, int]) -> list[list[tuple[rules._Pattern, int]]]:
        return [[(p, -1 if p.triggers is None else 1) for p in family] for family in self.families]

    def every_sentence(sentences: int, spans: tuple[tuple[int, int], ...], length: int) -> list[tuple[int, int]]:
        return [(0, length)] if sentences < 0 else list(spans)

    monkeypatch.setattr(_Compiled, "active", everything)
    monkeypatch.setattr(rules, "_windows", every_sentence)
    ungated = [find_cues(t, rubric, n) for t, n in zip(texts, news, strict=True)]
    assert gated == ungated
    assert sum(map(len, gated)) > 300


def test_a_review_is_the_same_whatever_was_reviewed_before(reviewer: Reviewer) -> None:
    text = _dev_texts()[0]
    first = reviewer.review(Message(text=text))
    for other in _dev_texts()[1:30]:
        reviewer.review(Message(text=other))
    assert reviewer.review(Message(text=text)) == first


def test_trusted_models_are_the_models_validation_would_build() -> None:
    from reviewer.models import DimensionScore, Evidence, Finding, trusted

    values = {"rule": "vague-asap", "dimension": "solutions", "severity": "major", "start": 3, "end": 7}
    made = trusted(Finding, **values, quote="ASAP", message="Give a date.")
    validated = Finding(**values, quote="ASAP", message="Give a date.")
    assert made == validated and made.model_dump_json() == validated.model_dump_json()
    assert made.model_fields_set == validated.model_fields_set and made.replacement is None
    score = trusted(DimensionScore, id="solutions", title="Solutions", score=2, rationale="2/5: Hurt by vague.")
    assert score == DimensionScore(id="solutions", title="Solutions", score=2, rationale="2/5: Hurt by vague.")
    with pytest.raises(KeyError):
        trusted(Evidence, start=1, end=2)  # a required field left out is an error, never a half-built model
    evidence = trusted(Evidence, quote="ASAP", end=7, start=3, colour="red")  # any order; an unknown name left out
    assert evidence == Evidence(start=3, end=7, quote="ASAP") and list(evidence.__dict__) == ["start", "end", "quote"]
    with pytest.raises(ValueError):
        made.__setattr__("start", 4)  # still frozen


_DATE_PIECES = (
    "march |mar. |3rd of may|14 |2026|-|/|:|30| |, |next |friday|fri|this |by |q3|eod|end of the |week|month|"
    "within |in |2 |business |days|mid-|late |early |week of |tomorrow|noon|am|p.m.|utc|é|٣|x|grand|9|\n"
).split("|")


def _plain_date_spans(text: str) -> list[tuple[int, int]]:
    from reviewer.text import DATE_PATTERN

    return [m.span() for m in re.compile(DATE_PATTERN.pattern).finditer(lowered(text))]


def test_the_date_finder_finds_what_the_plain_date_pattern_finds(reviewer: Reviewer) -> None:
    """Its look-ahead of first characters only skips offsets where no date can start."""
    from reviewer.text import date_spans

    texts = _dev_texts() + _examples(reviewer)
    assert all(date_spans(t) == _plain_date_spans(t) for t in texts)
    assert sum(len(date_spans(t)) for t in texts) > 500


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_DATE_PIECES), max_size=30))
def test_dates_next_to_anything_are_found_as_the_plain_pattern_finds_them(pieces: list[str]) -> None:
    from reviewer.text import date_spans

    text = "".join(pieces)
    assert date_spans(text) == _plain_date_spans(text)


def _all_patterns(reviewer: Reviewer) -> list[CuePattern]:
    rubric = reviewer.rubric
    cues = [cue for dim in rubric.dimensions for cue in dim.cues]
    return [CuePattern(p) for cue in cues for p in (*cue.patterns, *cue.unless)]


def test_the_first_character_look_ahead_changes_no_match(reviewer: Reviewer) -> None:
    """Every cue pattern, behind its look-ahead, finds exactly what it finds without one, in the dev messages and
    the rubric's examples; and most patterns have one."""
    texts = [lowered(t) for t in _dev_texts() + _examples(reviewer)]
    patterns = [p for p in _all_patterns(reviewer) if p.on_lowered]
    guarded = [p for p in patterns if p.regex.pattern != p.source]
    assert len(guarded) > 0.8 * len(patterns)
    matches = 0
    for pattern in guarded:
        plain = re.compile(pattern.source, pattern.flags)
        for text in texts:
            found = [m.span() for m in pattern.regex.finditer(text)]
            assert found == [m.span() for m in plain.finditer(text)], pattern.source
            matches += len(found)
    assert matches > 1000


def test_the_lower_cased_word_lists_behind_their_look_ahead_find_what_they_find_without(reviewer: Reviewer) -> None:
    """The rubric's lists that run on lower-cased text (news, scorer measures, the rewrite's news words) are
    compiled behind a look-ahead of their first characters too: the same matches over the dev messages."""
    import tomllib

    from reviewer.rubric import CODE_LISTS, code_pattern

    lexicon = reviewer.rubric.lexicon
    compiled = {
        **{f"news_{k}": getattr(lexicon.news, k) for k in ("failure", "failure_weak", "risk", "timing", "complaint")},
        **{f"feature_{k}": getattr(lexicon.features, k) for k in ("hedge", "cause", "thanks", "apology")},
        "what_went_wrong": lexicon.what_went_wrong,
    }
    assert set(compiled) == {name for name, use in CODE_LISTS.items() if use.lowered}
    lists = tomllib.loads((ROOT / "prompts/rubric/lists.toml").read_text(encoding="utf-8"))["lists"]
    texts = [lowered(t) for t in _dev_texts() + _examples(reviewer)]
    matches = 0
    for name, regex in compiled.items():
        plain = re.compile(code_pattern(name, lists[name]), CODE_LISTS[name].flags)
        assert regex.pattern != plain.pattern, name  # guarded
        for text in texts:
            found = [m.span() for m in regex.finditer(text)]
            assert found == [m.span() for m in plain.finditer(text)], name
            matches += len(found)
    assert matches > 1000


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["so", "rry", "we ", "a", "b", "[", "]", "-", ".", " ", "\\", "^", "é", "x"]), max_size=12)
)
def test_a_match_starts_with_one_of_the_first_characters_given(pieces: list[str]) -> None:
    from reviewer.patterns import first_chars

    text = "".join(pieces)
    sources = [r"\bso(?:rry)?\b", r"(?<!we )(?:a|b)+x?", r"[a\]\-]\.?", r"\\\^", r"(?:é|x)|so", r"(?:ab|a)+"]
    sources += [r"(?:we )?so", r"\b(?:x|(?:b\.)?a*rr)", r"a??\bb"]  # an optional start: it, or what follows
    for source in sources:
        first = first_chars(source)
        assert first is not None
        for match in re.finditer(source, text):
            assert match.group()[0] in first
    assert first_chars(r"a?b") == {"a", "b"} and first_chars(r"(?:the )?eco") == {"t", "e"}
    assert first_chars(r"a?") is None and first_chars(r"a?\w") is None and first_chars(r"(?:a|b?)c") is None
    assert first_chars(r"(?i:a)b") is None and first_chars(r"\w+") is None
    assert first_chars(r"x|") is None and first_chars(r"[^a]") is None and first_chars(r"^\s*") is None


def _restarted_from_saved_programs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Reviewer:
    """A first start that saves its regex programs (user-only), then what a new process knows: only that file."""
    from reviewer import patterns
    from reviewer.config import Settings

    monkeypatch.setattr(patterns, "_PROGRAMS", {})
    monkeypatch.setattr(patterns, "_UNSAVED", set())
    first = Reviewer(Settings(cache_dir=tmp_path))
    rules.warm(first.rubric)
    (saved,) = tmp_path.glob("programs-*.marshal")
    assert (saved.stat().st_mode & 0o777) == 0o600
    monkeypatch.setattr(patterns, "_PROGRAMS", {})
    assert patterns.load_programs(saved)
    return first


def test_saved_regex_programs_find_exactly_what_compiling_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every regex of a review, restored from the programs a first start saved (`patterns.compile_regex`), is the
    # same pattern as `re.compile` makes and finds the same matches on the dev messages and the rubric's examples.
    from reviewer import patterns

    first = _restarted_from_saved_programs(tmp_path, monkeypatch)
    compiled = rules._Compiled(list(_compiled(first.rubric).families))  # its finder compiled again, from the file
    prepared = [p.pattern for p in compiled.patterns] + [u for p in compiled.patterns for u in p.branch.unless]
    keys = [(c.source, int(c.flags), c.on_lowered) for c in prepared] + [
        (patterns.BUILT + compiled.finder_name, 0, False)
    ]
    assert len(keys) > 500 and all(key in patterns._PROGRAMS for key in keys)
    pairs = [(compiled.finder, re.compile(rules._trie(compiled.prefixes)))]
    for cue in prepared:
        restored = patterns.compile_regex(cue.source, cue.flags, guard=cue.on_lowered)
        source = patterns.guarded(cue.source, cue.flags) if cue.on_lowered else cue.source
        pairs.append((restored, re.compile(source, cue.flags)))
    texts = _dev_texts()[:150] + _examples(first)
    for restored, fresh in pairs:
        assert (restored.pattern, restored.flags, restored.groups, restored.groupindex) == (
            fresh.pattern,
            fresh.flags,
            fresh.groups,
            fresh.groupindex,
        )
        for text in texts:
            low = lowered(text)
            assert [m.span() for m in restored.finditer(low)] == [m.span() for m in fresh.finditer(low)]


def test_the_literal_finder_is_restored_by_its_name_without_building_its_trie(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _restarted_from_saved_programs(tmp_path, monkeypatch)
    families = list(_compiled(first.rubric).families)
    expected = rules._trie(_compiled(first.rubric).prefixes)

    def never_built(literals: object) -> str:
        raise AssertionError("the trie was built again")

    monkeypatch.setattr(rules, "_trie", never_built)
    restored = rules._Compiled(families).finder
    assert restored.pattern == expected
    fewer = rules._Compiled(families[1:])  # other literals: another name, so never another rubric's finder
    assert fewer.finder_name != rules._Compiled(families).finder_name
    with pytest.raises(AssertionError, match="built again"):
        _ = fewer.finder


def test_regex_programs_are_saved_per_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A program is the regex engine's own code: another Python (another key) never reads this one's file.
    from reviewer import patterns
    from reviewer import rubric as rubric_module
    from reviewer.config import Settings

    rules.warm(Reviewer(Settings(cache_dir=tmp_path)).rubric)
    monkeypatch.setattr(rubric_module, "programs_key", lambda: "another-python")
    monkeypatch.setattr(patterns, "_PROGRAMS", {})
    monkeypatch.setattr(patterns, "_UNSAVED", set())
    Reviewer(Settings(cache_dir=tmp_path))
    assert len(list(tmp_path.glob("programs-*.marshal"))) == 2


def test_a_damaged_or_foreign_regex_program_falls_back_to_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    from reviewer import patterns

    monkeypatch.setattr(patterns, "_PROGRAMS", {})
    monkeypatch.setattr(patterns, "_UNSAVED", set())
    made = patterns.program(r"\bsorry\b")
    made[2] = [999, 999, 999]  # code this regex engine refuses
    regex = patterns.compile_regex(r"\bsorry\b")
    assert regex.findall("so sorry, sorryish") == ["sorry"]
    assert (r"\bsorry\b", 0, False) not in patterns._PROGRAMS  # dropped, so it is made again to be saved


def test_a_damaged_saved_programs_file_is_left_unused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A programs file cut short (a full disk, a crash mid-copy) or holding something else restores nothing, and
    # the patterns are compiled as if it were not there.
    from reviewer import patterns
    from reviewer.config import Settings

    monkeypatch.setattr(patterns, "_PROGRAMS", {})
    monkeypatch.setattr(patterns, "_UNSAVED", set())
    rules.warm(Reviewer(Settings(cache_dir=tmp_path)).rubric)
    (saved,) = tmp_path.glob("programs-*.marshal")
    whole = saved.read_bytes()
    for damaged in (whole[: len(whole) // 2], b"not a programs file", b""):
        saved.write_bytes(damaged)
        monkeypatch.setattr(patterns, "_PROGRAMS", {})
        assert not patterns.load_programs(saved)
        assert patterns._PROGRAMS == {}
    assert patterns.compile_regex(r"\bsorry\b").findall("so sorry, sorryish") == ["sorry"]
