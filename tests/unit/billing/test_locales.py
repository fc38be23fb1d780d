"""The user's language (billing/locales.py): the browser's Accept-Language as a Babel locale,
and the locale Stripe's Checkout and portal are given for it (else "auto")."""

from __future__ import annotations

import pytest

from billing_app.billing.locales import (
    CHECKOUT_LOCALES,
    PORTAL_LOCALES,
    from_accept_language,
    stripe_locale,
)


@pytest.mark.parametrize("header,expected", [
    ("de-DE,de;q=0.9,en;q=0.8", "de_DE"),
    ("en-US", "en_US"),
    ("fr-FR", "fr_FR"),
    ("en;q=0.5, fr-CA;q=0.9", "fr_CA"),  # by weight, not by position
    ("xx-YY, pt-BR;q=0.5", "pt_BR"),  # an unknown tag is passed over
    ("de;q=0, it", "it"),  # q=0: not this one
    ("zh-TW", "zh_Hant_TW"),
    ("de-DE,de", "de_DE"),  # what a page's own cookie holds: navigator.languages
])
def test_the_browsers_first_known_language(header, expected):
    assert str(from_accept_language(header)) == expected


@pytest.mark.parametrize("header", [None, "", "*", "q;q=abc", ";;;,,,", "x" * 10_000,
                                    "en;q=nope", "../../etc/passwd", "de-DE\x00"])
def test_nothing_usable_is_none(header):
    """No language, junk, or a weight that isn't a number (read as q=0)."""
    assert from_accept_language(header) is None


def test_a_long_header_is_cut_before_parsing():
    assert from_accept_language("xx," * 5000 + "de") is None


@pytest.mark.parametrize("tag,checkout,portal", [
    ("de-DE", "de", "de"),
    ("en-US", "en", "en"),
    ("en-GB", "en-GB", "en-GB"),
    ("en-AU", "en", "en-AU"),  # the portal knows en-AU, Checkout doesn't
    ("pt-BR", "pt-BR", "pt-BR"),
    ("pt-PT", "pt", "pt"),
    ("fr-CA", "fr-CA", "fr-CA"),
    ("hi-IN", "hi-IN", "auto"),  # Checkout has Hindi, the portal doesn't
    ("gsw", "auto", "auto"),
])
def test_stripe_gets_the_closest_locale_it_has_else_auto(tag, checkout, portal):
    locale = from_accept_language(tag)
    assert stripe_locale(locale, CHECKOUT_LOCALES) == checkout
    assert stripe_locale(locale, PORTAL_LOCALES) == portal


def test_no_language_is_auto():
    assert stripe_locale(None, CHECKOUT_LOCALES) == "auto"


def test_stripes_lists_come_from_stripe_python():
    """The pinned library's own declared values: a few dozen each, without "auto"."""
    assert {"de", "fr", "ja", "en-GB", "pt-BR"} <= CHECKOUT_LOCALES
    assert {"de", "fr", "en-AU", "en-NZ"} <= PORTAL_LOCALES
    assert "auto" not in CHECKOUT_LOCALES | PORTAL_LOCALES
    assert len(CHECKOUT_LOCALES) > 30 and len(PORTAL_LOCALES) > 30
