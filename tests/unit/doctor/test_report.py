"""What the doctor prints: a mark per check, the fix under each ✘ and !, a tally, no secret."""

from __future__ import annotations

from billing_app.doctor.checks import Check, Result, failed, ok, skipped, warning
from billing_app.doctor.report import hide, lines, secrets_of
from tests.helpers import app_settings


def result(section, name, finding):
    return Result(Check(section, name, None, ""), finding)  # type: ignore[arg-type]


def test_the_report_groups_by_section_and_puts_each_fix_under_its_line():
    printed = lines([
        result("Supabase", "URL", ok("answers")),
        result("Supabase", "Secret key", failed("refused (401)", "Set SUPABASE_SECRET_KEY.")),
        result("Stripe", "Secret key", warning("live mode", "Set SITE_URL.")),
        result("Stripe", "Test portal session", skipped("not made")),
    ])
    assert printed == [
        "Supabase",
        "  ✔ URL: answers",
        "  ✘ Secret key: refused (401)",
        "      → Set SUPABASE_SECRET_KEY.",
        "",
        "Stripe",
        "  ! Secret key: live mode",
        "      → Set SITE_URL.",
        "  – Test portal session: not made",
        "",
        "1 ✔, 1 !, 1 ✘, 1 –: fix each ✘ above, then run make doctor again.",
    ]


def test_many_lines_are_indented_under_their_mark():
    printed = lines([result("Settings", "Settings", failed("they don't load:\nA is bad\nB too",
                                                           "Set A.\nSet B."))])
    assert printed[:6] == ["Settings", "  ✘ Settings: they don't load:", "      A is bad",
                           "      B too", "      → Set A.", "        Set B."]


def test_every_secret_of_the_settings_is_hidden():
    settings = app_settings(STRIPE_SECRET_KEY="sk_test_verysecret",
                            SUPABASE_SECRET_KEY="sb_secret_verysecret")
    secrets = secrets_of(settings)
    assert {"sk_test_verysecret", "sb_secret_verysecret", "whsec_unit",
            "sb_publishable_unit"} <= set(secrets)
    printed = lines([result("Stripe", "Secret key",
                            failed("Invalid API Key provided: sk_test_verysecret", "Set it."))],
                    secrets)
    assert "verysecret" not in "\n".join(printed)
    assert printed[1] == "  ✘ Secret key: Invalid API Key provided: [hidden]"
    assert hide("a sb_secret_verysecret b", secrets) == "a [hidden] b"
