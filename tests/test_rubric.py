"""The rubric is data: files are validated with one-line errors; dimensions can be added and switched off."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reviewer import Reviewer, Settings
from reviewer.errors import RubricError
from reviewer.prompts import rubric_dir
from reviewer.rubric import load_rubric
from tests.conftest import ROOT

BUILTIN = rubric_dir(Settings().prompts_dir)

BREVITY = """
id = "brevity"
title = "Brevity"
question = "Is it as short as it can be?"
definition = "Busy clients read the first lines; long messages bury the news."
weight = 0.5
order = 6
[scale]
1 = "Rambling."
2 = "Long-winded."
3 = "Could lose a third."
4 = "Mostly tight."
5 = "Every sentence earns its place."
[[cues]]
id = "filler-phrases"
severity = "minor"
weight = -0.5
patterns = ['\\bjust wanted to\\b', '\\bat the end of the day\\b']
message = "Filler: cut it."
"""


def test_builtin_rubric_has_the_five_dimensions_in_order() -> None:
    rubric = load_rubric([rubric_dir()])
    assert rubric.ids == ("transparency", "empathy", "accountability", "solutions", "limited_excuses")
    for dim in rubric.dimensions:
        assert set(dim.scale) == set("12345") and dim.question and dim.definition
        assert dim.examples.good and dim.examples.bad


def test_a_team_adds_a_dimension_with_a_file(tmp_path: Path) -> None:
    (tmp_path / "brevity.toml").write_text(BREVITY, encoding="utf-8")
    reviewer = Reviewer(Settings(rubric_dirs=(tmp_path,)))
    assert reviewer.rubric.ids[-1] == "brevity"
    review = reviewer.review_text("Hi Ana, I just wanted to say the report went out on Monday as planned.")
    assert review.dimensions[-1].id == "brevity" and review.dimensions[-1].score < 5
    assert any(f.rule == "filler-phrases" for f in review.findings)


def test_a_team_switches_a_dimension_off() -> None:
    reviewer = Reviewer(Settings(disable=("empathy",)))
    assert "empathy" not in reviewer.rubric.ids
    review = reviewer.review_text("Hi Ana, the report is late. Sorry for any inconvenience.")
    assert "empathy" not in [d.id for d in review.dimensions]
    assert all(f.dimension != "empathy" for f in review.findings)
    with pytest.raises(RubricError, match="unknown dimension nope"):
        Reviewer(Settings(disable=("nope",)))


def test_the_rubric_hash_changes_when_a_file_changes(tmp_path: Path) -> None:
    copy = tmp_path / "rubric"
    shutil.copytree(rubric_dir(), copy)
    before = load_rubric([copy]).hash
    path = copy / "empathy.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("weight = 1.0", "weight = 1.5", 1), encoding="utf-8")
    assert load_rubric([copy]).hash != before


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda t: t.replace('3 = "', '# 3 = "', 1),
            "scale: Value error, needs an anchor for every level 1-5; missing 3",
        ),
        (lambda t: t.replace('id = "empathy"', 'id = "kindness"', 1), "must match the file name"),
        (lambda t: t.replace("weight = 0.5\n", "weight = 'heavy'\n", 1), "cues.0.weight"),
        (lambda t: t + "\ncolour = 'blue'\n", "colour: Extra inputs are not permitted"),
        (lambda t: t.replace("patterns = [", "patterns = ['(unclosed', ", 1), "bad regular expression"),
        (lambda t: t + "\n[[broken\n", "not valid TOML"),
    ],
)
def test_invalid_files_name_the_file_and_the_field(tmp_path: Path, mutate: object, message: str) -> None:
    copy = tmp_path / "rubric"
    shutil.copytree(rubric_dir(), copy)
    path = copy / "empathy.toml"
    path.write_text(mutate(path.read_text(encoding="utf-8")), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(RubricError) as caught:
        load_rubric([copy])
    line = str(caught.value)
    assert "\n" not in line and str(path) in line and message in line


def test_every_rubric_example_and_anchor_is_original_text() -> None:
    # The rubric must not copy sentences from the source writing in ../shared/seeds.
    seeds = ROOT.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("shared/seeds is not beside this checkout")
    source = " ".join(p.read_text(encoding="utf-8") for p in seeds.glob("*.txt")).lower()
    for path in (ROOT / "prompts").rglob("*"):
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                line = line.strip().strip('"').lower()
                if len(line) > 60 and not line.startswith("'''"):
                    assert line not in source, f"{path}: copied from the seeds: {line[:60]}"


def test_prepared_patterns_are_saved_private_and_give_the_same_reviews(tmp_path: Path) -> None:
    import reviewer.patterns as patterns

    text = (ROOT / "reviewer/samples/sample_draft.txt").read_text(encoding="utf-8")
    first = Reviewer(Settings(cache_dir=tmp_path)).review_text(text)
    saved = list(tmp_path.glob("patterns-*.json"))
    assert len(saved) == 1 and (saved[0].stat().st_mode & 0o777) == 0o600
    patterns._PREPARED.clear()  # a new process: only the saved file knows the patterns
    assert patterns.load_prepared(saved[0])
    from reviewer.engines.rules import _compiled

    _compiled.cache_clear()
    again = Reviewer(Settings(cache_dir=tmp_path)).review_text(text)
    assert again.to_json() == first.to_json()


def test_a_saved_preparation_holds_every_pattern_a_load_validates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cues', the over-explaining checks' and the code's word lists: a later start parses none of them again.
    import reviewer.patterns as patterns

    Reviewer(Settings(cache_dir=tmp_path))
    patterns._PREPARED.clear()  # a new process

    def parsed_again(self: patterns.CuePattern, pattern: str) -> None:
        raise AssertionError(f"parsed again: {pattern[:60]}")

    monkeypatch.setattr(patterns.CuePattern, "__init__", parsed_again)
    rubric = Reviewer(Settings(cache_dir=tmp_path)).rubric
    assert rubric.lexicon.news.failure.search("we missed the date")


def test_a_damaged_prepared_file_is_ignored(tmp_path: Path) -> None:
    Reviewer(Settings(cache_dir=tmp_path))
    saved = next(tmp_path.glob("patterns-*.json"))
    saved.write_text("{not json", encoding="utf-8")
    import reviewer.patterns as patterns

    assert not patterns.load_prepared(saved)
    review = Reviewer(Settings(cache_dir=tmp_path)).review_text("We will fix it ASAP.")
    assert any(f.rule == "vague_timing-asap" for f in review.findings)


def test_no_cache_means_no_prepared_file(tmp_path: Path) -> None:
    Reviewer(Settings(cache_dir=tmp_path, cache=False))
    assert list(tmp_path.glob("patterns-*.json")) == []


def test_prepared_patterns_follow_the_code_that_prepares_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A new Candor (another preparation key) must not reuse what an older one saved.
    import reviewer.patterns as patterns
    import reviewer.rubric as rubric_module

    Reviewer(Settings(cache_dir=tmp_path))
    monkeypatch.setattr(rubric_module, "preparation_key", lambda: "another-version")
    Reviewer(Settings(cache_dir=tmp_path))
    assert len(list(tmp_path.glob("patterns-*.json"))) == 2
    assert patterns.preparation_key() != "another-version"


def test_word_lists_are_shared_by_name_and_an_unknown_one_is_an_error(tmp_path: Path) -> None:
    team = tmp_path / "team"
    team.mkdir()
    source = (BUILTIN / "empathy.toml").read_text(encoding="utf-8")
    own = source.replace('id = "empathy"', 'id = "courtesy"', 1).replace('title = "Empathy"', 'title = "Courtesy"', 1)
    own = own.replace('id = "hostile_tone-', 'id = "rude-')
    cue = (
        '[[cues]]\nid = "blame_party-named"\nseverity = "minor"\nweight = -0.25\n'
        "patterns = ['''\\bthe @party let us down''']\nmessage = \"Names a party.\"\n\n"
    )
    (team / "courtesy.toml").write_text(own.replace("[[cues]]", cue + "[[cues]]", 1), encoding="utf-8")
    reviewer = Reviewer(Settings(rubric_dirs=(team,)))
    review = reviewer.review_text("Sorry: the courier let us down on Tuesday.")
    assert "blame_party-named" in {f.rule for f in review.findings}
    (team / "courtesy.toml").write_text(own.replace("[[cues]]", cue.replace("@party", "@parties") + "[[cues]]", 1))
    with pytest.raises(RubricError, match=r"courtesy.toml: cues.0.patterns: unknown word list @parties"):
        Reviewer(Settings(rubric_dirs=(team,)))


def test_a_typo_in_satisfied_by_is_caught_at_load(tmp_path: Path) -> None:
    folder = tmp_path / "rubric"
    shutil.copytree(BUILTIN, folder)
    path = folder / "accountability.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('satisfied_by = ["ownership"]', 'satisfied_by = ["ownershp"]'), encoding="utf-8")
    with pytest.raises(RubricError, match=r"accountability.toml: checks.\d+.satisfied_by: unknown family 'ownershp'"):
        load_rubric([folder])


# "Cheerio for now!" (no comma) is not the short comma-ended line that is taken as a sign-off above a signature.
SIGNED_CHEERIO = "Hi Dana,\n\nThe export failed last night and the report is late.\n\nCheerio for now!\nSam\n"


def test_a_team_overrides_a_code_word_list_in_its_own_rubric_folder(tmp_path: Path) -> None:
    """The sign-off words are rubric data: a team's lists.toml replaces the built-in list of the same name."""
    builtin = Reviewer().review_text(SIGNED_CHEERIO)
    assert builtin.rewrite is not None and "Next steps:" in builtin.rewrite.text
    # Built in, "Cheerio for now!" is not a sign-off: the next steps go after it, before the bare name.
    assert builtin.rewrite.text.index("Next steps:") > builtin.rewrite.text.index("Cheerio for now!")
    team = tmp_path / "team"
    team.mkdir()
    (team / "lists.toml").write_text("[lists]\nsign_off = ['''cheerio''', '''best''']\n", encoding="utf-8")
    own = Reviewer(Settings(rubric_dirs=(team,)))
    assert own.rubric.ids == Reviewer().rubric.ids  # a lists file is not a dimension
    rewrite = own.review_text(SIGNED_CHEERIO).rewrite
    assert rewrite is not None and rewrite.text.index("Next steps:") < rewrite.text.index("Cheerio for now!")
    assert own.rubric.hash != Reviewer().rubric.hash  # the lists are part of what the rubric is


def test_a_greeting_and_a_sign_off_run_into_the_text_come_from_the_same_lists(tmp_path: Path) -> None:
    """One list, two frames: the greeting a team adds is found run into its sentence too, and so is its sign-off
    sharing the last line of a message pasted as one paragraph."""
    draft = "Howdy Dana We missed the deadline for the export. Have a good day Cheerio, Sam"
    builtin = Reviewer().review_text(draft).rewrite
    assert builtin is not None and not builtin.text.startswith("Howdy Dana,")
    team = tmp_path / "team"
    team.mkdir()
    words = (BUILTIN / "lists.toml").read_text(encoding="utf-8")
    words = words.replace("\ngreeting = [", "\ngreeting = [\n  '''howdy''',", 1)
    words = words.replace("\nsign_off = [", "\nsign_off = [\n  '''cheerio''',", 1)
    (team / "lists.toml").write_text(words, encoding="utf-8")
    rewrite = Reviewer(Settings(rubric_dirs=(team,))).review_text(draft).rewrite
    assert rewrite is not None and rewrite.text.startswith("Howdy Dana,\n\nI know [")
    assert rewrite.text.rstrip().endswith("\n\nCheerio, Sam") and rewrite.text.index(
        "Next steps:"
    ) < rewrite.text.index("Cheerio")


def test_a_team_teaches_the_news_profile_its_own_words(tmp_path: Path) -> None:
    """Whether a message reports a failure (so it owes an apology, a cause, a remedy) comes from the news lists."""
    text = "Hi Dana, the nightly export had a wobble and the figures are a day old. Sam"
    team = tmp_path / "team"
    team.mkdir()
    words = (BUILTIN / "lists.toml").read_text(encoding="utf-8")
    (team / "lists.toml").write_text(
        words.replace("news_failure = [\n", "news_failure = [\n  '''wobble''',\n", 1), encoding="utf-8"
    )
    builtin, own = Reviewer(), Reviewer(Settings(rubric_dirs=(team,)))
    assert own.rubric.lexicon.news.failure.search("a wobble") and not builtin.rubric.lexicon.news.failure.search(
        "a wobble"
    )
    owed = {m.id for m in own.review_text(text).missing} - {m.id for m in builtin.review_text(text).missing}
    assert owed, "a failure report owes what a routine update does not"


def test_code_word_lists_are_validated_at_load_naming_the_file_and_the_list(tmp_path: Path) -> None:
    folder = tmp_path / "rubric"
    shutil.copytree(BUILTIN, folder)
    lists = folder / "lists.toml"
    text = lists.read_text(encoding="utf-8")
    lists.write_text(text.replace("\nsign_off = [\n", "\nsign_offs = [\n", 1), encoding="utf-8")
    with pytest.raises(RubricError, match=r"lists.sign_off: missing; the rewrite, to find the sign-off needs it"):
        load_rubric([folder])
    lists.write_text(text.replace("sign_off = [\n", "sign_off = [\n  '''(unclosed''',\n", 1), encoding="utf-8")
    with pytest.raises(RubricError, match=r"lists.toml: lists.sign_off: bad regular expression"):
        load_rubric([folder])
    lists.write_text(text + '\n[[cues]]\nid = "x-y"\n', encoding="utf-8")
    with pytest.raises(RubricError, match=r"lists.toml: cues: a lists.toml holds only a \[lists\] table"):
        load_rubric([folder])
    lists.write_text(text.replace("\nsign_off = [\n", "\nsign_off = 3\nunused = [\n", 1), encoding="utf-8")
    with pytest.raises(RubricError, match=r"lists.toml: lists: each list must be a non-empty array of strings"):
        load_rubric([folder])


def test_a_replacement_keeping_a_group_no_pattern_has_is_caught_at_load(tmp_path: Path) -> None:
    cue = 'replacement = "\\\\g<keep>"\n'
    (tmp_path / "brevity.toml").write_text(BREVITY + cue, encoding="utf-8")
    with pytest.raises(RubricError, match=r"brevity.toml: cues.0: Value error, replacement keeps the `keep` group"):
        load_rubric([BUILTIN, tmp_path])
    fixed = BREVITY.replace("'\\bjust wanted to\\b'", "'\\b(?P<keep>just) wanted to\\b'")
    assert fixed != BREVITY
    (tmp_path / "brevity.toml").write_text(fixed + cue, encoding="utf-8")
    assert "brevity" in load_rubric([BUILTIN, tmp_path]).ids


def test_the_parsed_toml_is_saved_and_a_rubric_restored_from_it_is_the_one_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The second load reads the saved tables instead of parsing (tomllib is not called), and loads the same
    # rubric; a damaged file is parsed again; a broken rubric saves nothing and fails as it did.
    import tomllib

    copy, cache = tmp_path / "rubric", tmp_path / "cache"
    shutil.copytree(rubric_dir(), copy)
    parsed = load_rubric([copy], cache_dir=cache)
    (saved,) = cache.glob("toml-*.marshal")
    assert (saved.stat().st_mode & 0o777) == 0o600

    def no_parsing(text: str) -> object:
        raise AssertionError("parsed again")

    with monkeypatch.context() as patched:
        patched.setattr(tomllib, "loads", no_parsing)
        restored = load_rubric([copy], cache_dir=cache)
    assert restored == parsed and restored.hash == parsed.hash and restored.lexicon == parsed.lexicon
    saved.write_bytes(saved.read_bytes()[:100])
    assert load_rubric([copy], cache_dir=cache) == parsed
    path = copy / "empathy.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[[broken\n", encoding="utf-8")
    with pytest.raises(RubricError, match="not valid TOML"):
        load_rubric([copy], cache_dir=cache)
    assert len(list(cache.glob("toml-*.marshal"))) == 1  # the broken content's tables were not saved
