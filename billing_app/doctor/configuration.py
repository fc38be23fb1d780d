"""The settings: they load, and every key is in its own variable, in either key generation.

`WHERE` says where each value comes from, in the README's words: the fix of every ✘ about a
setting names it.
"""

from __future__ import annotations

from pydantic import SecretStr

from billing_app.doctor.checks import Finding, failed, ok
from billing_app.platform.settings import (
    ALIASES,
    Settings,
    SettingsError,
    get_settings,
    is_new_key,
)

WHERE = {
    "SUPABASE_URL": "Supabase: Project Settings → Data API (https://<project-ref>.supabase.co)",
    "SUPABASE_PUBLISHABLE_KEY": "Supabase: Project Settings → API Keys, the publishable key "
                                "(sb_publishable_...), or the anon key on the Legacy API keys tab",
    "SUPABASE_SECRET_KEY": "Supabase: Project Settings → API Keys, a secret key (sb_secret_...), "
                           "or the service_role key on the Legacy API keys tab",
    "STRIPE_SECRET_KEY": "Stripe: Developers → API keys, the secret key (sk_test_... in test "
                         "mode, sk_live_... in live mode)",
    "STRIPE_WEBHOOK_SECRET": "Stripe: Developers → Webhooks → your endpoint → Signing secret "
                             "(whsec_...), or the one `stripe listen` prints",
    "STRIPE_CUSTOMER_PORTAL_CONFIG_ID": "a portal configuration made with the API (bpc_...); "
                                        "unset, the app uses the settings saved in Stripe's "
                                        "Dashboard → Settings → Billing → Customer portal",
    "STRIPE_PRICE_IDS": "Stripe: Product catalogue → each product → its recurring prices "
                        "(price_..., separated by commas)",
    "SITE_URL": "the address users open, https://... (README: Settings, addresses and cookies)",
}
SETTINGS_TABLE = "the README's Settings table and .env.example"


def where(variable: str) -> str:
    """`variable` and where its value comes from: the fix of a ✘ about it."""
    named = f"{variable} (or {ALIASES[variable]})" if variable in ALIASES else variable
    return f"Set {named}: {WHERE[variable]}." if variable in WHERE else (
        f"Set {named} (see {SETTINGS_TABLE}).")


def load() -> Settings | Finding:
    """The settings the app reads (the one reader, `get_settings`), or why they don't load."""
    try:
        return get_settings()
    except SettingsError as exc:
        fixes = [where(name) for name in exc.variables]
        fixes.append(f"Each goes in the environment or in .env (see {SETTINGS_TABLE}).")
        return failed(f"they don't load, so nothing else was checked:\n{exc}", "\n".join(fixes))


def _supabase_key(key: SecretStr, new: str, legacy: str) -> str:
    return f"a new {new}... key" if is_new_key(key) else f"a legacy {legacy} JWT key"


def key_mode(settings: Settings) -> str:
    """"test" or "live", as the Stripe key says."""
    live = settings.stripe_secret_key.get_secret_value().startswith(("sk_live_", "rk_live_"))
    return "live" if live else "test"


def loaded(settings: Settings) -> Finding:
    """The ✔ of settings that loaded: validating them already put each key in its variable."""
    stripe_key = settings.stripe_secret_key.get_secret_value()
    kind = "a restricted key" if stripe_key.startswith("rk_") else "a secret key"
    return ok(
        "they load, each key in its own variable: SUPABASE_PUBLISHABLE_KEY holds "
        f"{_supabase_key(settings.supabase_publishable_key, 'sb_publishable_', 'anon')}, "
        "SUPABASE_SECRET_KEY "
        f"{_supabase_key(settings.supabase_secret_key, 'sb_secret_', 'service_role')}, "
        f"STRIPE_SECRET_KEY {kind} in {key_mode(settings)} mode"
    )
