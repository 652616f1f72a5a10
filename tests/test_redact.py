"""The pure part of redaction (`reviewer.redact`): what is found, the placeholders, and the exact way back; and the
`redact` / `redact_names` settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewer.config import load_settings
from reviewer.errors import ConfigError
from reviewer.redact import is_local_endpoint, plan_redaction, redaction_wanted

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DRAFT = (
    "Hi Dana,\n\n"
    "Invoice INV-2041 for $4,800 was charged twice to account 12345678 on 14 March at 10:30.\n"
    "Dana, Priya Raman from Acme Corp can be reached at priya.raman@acme.example or +44 20 7946 0958; see "
    "https://status.acme.example/incidents/42 or acme.com/help. Refund: EUR 1,200, invoice no. 88412, IBAN "
    "GB82 WEST 1234 5698 7654 32. Uptime was 99.9% over 3 days; the API and the SLA are fine.\n\n"
    "Best,\nSam Okafor\n"
)


def kinds(text: str, **kwargs: object) -> dict[str, str]:
    plan = plan_redaction(text, **kwargs)  # type: ignore[arg-type]
    return {text[s.start : s.end]: s.kind for s in plan.spans}


def test_each_kind_is_found_and_dates_times_percentages_and_quantities_are_kept() -> None:
    found = kinds(DRAFT, client="Acme Corp")
    assert found == {
        "Dana": "name",
        "INV-2041": "invoice",
        "$4,800": "amount",
        "12345678": "account",
        "Priya": "name",
        "Raman": "name",
        "Acme Corp": "client",
        "priya.raman@acme.example": "email",
        "+44 20 7946 0958": "phone",
        "https://status.acme.example/incidents/42": "url",
        "acme.com/help": "url",
        "EUR 1,200": "amount",
        "88412": "invoice",
        "GB82 WEST 1234 5698 7654 32": "account",
        "Sam": "name",
        "Okafor": "name",
    }
    redacted = plan_redaction(DRAFT, client="Acme Corp").redacted
    for kept in ("14 March", "10:30", "99.9%", "3 days", "API", "SLA", "Hi ", "Best,", "Refund"):
        assert kept in redacted


def test_the_same_value_gets_the_same_placeholder_and_the_client_field_its_own() -> None:
    plan = plan_redaction(DRAFT, client="Acme Corp")
    assert plan.redacted.startswith("Hi [NAME_1],\n\n")
    assert "\n[NAME_1], [NAME_2] [NAME_3] from [CLIENT_1]" in plan.redacted
    assert plan.client == "[CLIENT_1]"
    placeholders = {s.placeholder for s in plan.spans if DRAFT[s.start : s.end] == "Dana"}
    assert placeholders == {"[NAME_1]"}


def test_greeting_sign_off_and_configured_names_cover_what_capitals_miss() -> None:
    text = "hi dana,\n\nFrank will send the files. Ask frank or Grace.\n\nThanks,\nkeisha\n"
    assert kinds(text) == {"dana": "name", "Grace": "name", "keisha": "name"}
    # An ordinary word is a name only where it was found as one, or when configured.
    assert kinds(text, names=["Frank"]) == {"dana": "name", "Frank": "name", "frank": "name", "Grace": "name",
                                             "keisha": "name"}  # fmt: skip
    assert "[NAME_" not in plan_redaction("Hi all,\n\nWill you confirm?\n\nBest,\nThe team").redacted


def test_a_possessive_keeps_its_s_and_every_later_mention_is_redacted() -> None:
    plan = plan_redaction("Hi Dana,\n\nDana's team and Dana agreed.")
    assert plan.redacted == "Hi [NAME_1],\n\n[NAME_1]'s team and [NAME_1] agreed."


def test_placeholders_never_collide_with_the_draft() -> None:
    text = "Hi Dana, the template says [EMAIL_1] and [name_2]; write to dana@acme.example."
    plan = plan_redaction(text)
    assert plan.tag == "R"
    assert "[EMAIL_R1]" in plan.redacted and "[EMAIL_1]" in plan.redacted
    assert plan.restore(plan.redacted) == text
    assert plan.restore("Reply to [EMAIL_R1]; keep [EMAIL_1].") == "Reply to dana@acme.example; keep [EMAIL_1]."


def test_restore_tolerates_how_models_rewrite_placeholders_and_leaves_unknown_ones() -> None:
    plan = plan_redaction("Write to dana@acme.example today.")
    assert plan.restore("Write to [ email_1 ] or [EMAIL_7].") == "Write to dana@acme.example or [EMAIL_7]."


def test_hide_replaces_known_values_in_any_text_sent() -> None:
    plan = plan_redaction(DRAFT, client="Acme Corp")
    assert plan.hide("Ask Priya at priya.raman@acme.example (Acme Corp).") == "Ask [NAME_2] at [EMAIL_1] ([CLIENT_1])."


def test_summary_lists_kinds_and_counts() -> None:
    plan = plan_redaction("Hi Dana, $40 and $50 to dana@acme.example.")
    assert plan.counts() == {"email": 1, "amount": 2, "name": 1}
    assert plan.summary() == (
        "Redacted before sending to the model: 1 email, 2 amounts, 1 name (the review maps them back)."
    )


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://localhost:8080/v1", True),
        ("http://LOCALHOST./v1", True),
        ("http://127.0.0.1:8080/v1", True),
        ("http://127.1.2.3/v1", True),
        ("http://[::1]:8000/v1", True),
        ("http://user:KEY@127.0.0.1/v1", True),
        ("http://api.localhost/v1", True),
        ("https://api.openai.com/v1", False),
        ("http://10.0.0.5:8080/v1", False),
        ("http://192.168.1.20/v1", False),
        ("http://localhost.example.com/v1", False),
        ("http://127.0.0.1.nip.io/v1", False),
        ("http://[::ffff:10.0.0.1]/v1", False),
        (None, False),
        ("", False),
        ("http://[::1/v1", False),
    ],
)
def test_only_loopback_endpoints_are_local(url: str | None, local: bool) -> None:
    assert is_local_endpoint(url) is local
    assert redaction_wanted(None, url) is (not local)
    assert redaction_wanted(True, url) is True and redaction_wanted(False, url) is False


def test_redact_setting_from_files_environment_and_flags(tmp_path: Path) -> None:
    config = tmp_path / "candor.toml"
    none = str(tmp_path / "none.toml")
    config.write_text('redact = "auto"\nredact_names = ["Globex", "Dana Smith"]\n')
    loaded = load_settings(config_file=config, environ={"CANDOR_CONFIG": none}).settings
    assert loaded.redact is None and loaded.redact_names == ("Globex", "Dana Smith")
    config.write_text("redact = false\n")
    assert load_settings(config_file=config, environ={"CANDOR_CONFIG": none}).settings.redact is False
    env = {"CANDOR_CONFIG": none, "CANDOR_REDACT": "on"}
    assert load_settings(config_file=config, environ=env).settings.redact is True  # the environment beats the file
    assert load_settings({"redact": False}, environ=env).settings.redact is False  # a flag beats both
    config.write_text('redact = "yes please"\n')
    with pytest.raises(ConfigError, match=r"redact: expected true, false or \"auto\""):
        load_settings(config_file=config, environ={"CANDOR_CONFIG": none})
    with pytest.raises(ConfigError, match=r"CANDOR_REDACT: redact: expected true, false or \"auto\", got .maybe."):
        load_settings(environ={"CANDOR_CONFIG": none, "CANDOR_REDACT": "maybe"})


# ----------------------------------------------------------------------------------------------------------------
# properties

PIECES = st.sampled_from(
    [
        "Hi Dana,", "Best,\nSam", "dana@acme.example", "https://x.example/a?b=1", "acme.com", "+44 20 7946 0958",
        "$4,800", "EUR 1,200", "account 12345678", "invoice no. 88412", "INV-2041", "#5531", "1234567", "14 March",
        "Acme Corp", "Priya's", "[EMAIL_1]", "[name_1]", "[ NAME_R1 ]", "[CLIENT_", "]", "[", " ", "\n", ".", ",",
        "Will", "frank", "API", "é", "’s",
    ]
)  # fmt: skip
TEXTS = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=30).map("".join)


@FAST
@given(TEXTS, st.one_of(st.none(), st.sampled_from(["Acme Corp", "Dana", "[EMAIL_1]", " "])))
def test_mapping_back_is_exact(text: str, client: str | None) -> None:
    plan = plan_redaction(text, client=client, names=["Globex", "frank"])
    assert plan.restore(plan.redacted) == text
    if plan.client is not None:
        assert plan.restore(plan.client) == (client or "").strip()
    position = 0
    for span in plan.spans:
        assert span.start >= position and span.end > span.start  # in order, never overlapping
        assert plan.values[span.placeholder] == text[span.start : span.end]
        position = span.end
    assert len(set(plan.values.values())) == len(plan.values)  # one placeholder per value, one value per placeholder
    for placeholder in plan.values:
        assert placeholder.lower() not in text.lower()


@FAST
@given(TEXTS)
def test_no_redacted_email_link_phone_or_amount_is_left_in_the_redacted_text(text: str) -> None:
    plan = plan_redaction(text)
    for span in plan.spans:
        if span.kind in ("email", "url", "phone", "amount"):
            assert text[span.start : span.end] not in plan.redacted
