"""The user's language: the browser's `Accept-Language` as a Babel locale (how the page writes
numbers, currencies and dates), and the locale Stripe's Checkout and portal take for it.

Stripe's lists come from stripe-python's own parameter types (the version requirements.txt
pins), so they change with the library; a locale Stripe doesn't have is `auto` (Stripe then
follows the browser itself).
"""

from __future__ import annotations

import typing

from babel import Locale, UnknownLocaleError
from stripe.params.billing_portal import SessionCreateParams as PortalParams
from stripe.params.checkout import SessionCreateParams as CheckoutParams

DEFAULT = Locale("en", "US")
# The cookie each page writes with the browser's languages (ui/components/languages.py).
LANGUAGES_COOKIE = "languages"
# An Accept-Language header longer than this is cut (it is the browser's, but anyone can send one).
MAX_HEADER = 500
MAX_TAGS = 10


def _weighted(header: str) -> list[tuple[float, int, str]]:
    """RFC 9110's Accept-Language: tags with optional `;q=` weights. No library here parses it
    (Babel and Starlette don't), so this does; q=0 means "not this one"."""
    found = []
    for position, item in enumerate(header[:MAX_HEADER].split(",")[:MAX_TAGS]):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value)
            except ValueError:
                weight = 0.0
        if tag.strip() and tag.strip() != "*" and weight > 0:
            found.append((-weight, position, tag.strip()))
    return sorted(found)


def from_accept_language(header: str | None) -> Locale | None:
    """The browser's first language CLDR knows ("de-DE,de;q=0.9" -> de_DE), else None (the
    page then writes as DEFAULT does, and Stripe gets "auto")."""
    for _, _, tag in _weighted(header or ""):
        try:
            return Locale.parse(tag.replace("_", "-"), sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    return None


def _declared(params: type) -> frozenset[str]:
    """The `locale` values stripe-python declares for a create call (its Literal)."""
    annotation = typing.get_args(params.__annotations__["locale"])[0]  # inside NotRequired
    if isinstance(annotation, typing.ForwardRef):
        annotation = eval(annotation.__forward_arg__, {"Literal": typing.Literal})
    values: set[str] = set()
    for part in typing.get_args(annotation) or (annotation,):
        values.update(typing.get_args(part) if typing.get_origin(part) is typing.Literal else ())
    return frozenset(values - {"auto"})


CHECKOUT_LOCALES = _declared(CheckoutParams)
PORTAL_LOCALES = _declared(PortalParams)


def stripe_locale(locale: Locale | None, supported: frozenset[str]) -> str:
    """Stripe's tag for `locale`: with its region when Stripe has that (en-GB, pt-BR, fr-CA),
    else its language (de, fr), else "auto"."""
    if locale is None:
        return "auto"
    candidates = [locale.language]
    if locale.territory:
        candidates.insert(0, f"{locale.language}-{locale.territory}")
    return next((tag for tag in candidates if tag in supported), "auto")
