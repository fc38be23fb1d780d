"""Reflex's configuration. The app's own settings are read in billing_app/platform/settings.py.

REDIS_URL, when set, also becomes Reflex's `redis_url`: Reflex then keeps every user's state in
Redis and runs several backend workers, so any instance behind one address can serve any event.
`cors_allowed_origins` replaces Reflex's allow-everyone default with SITE_URL's origin (and the
dev frontend in development): see billing_app/platform/origins.py.
`redis_token_expiration` (every Reflex state manager reads it, not only Redis's) is how long a
tab's state outlives its last event: Reflex's hour let abandoned tabs pile up in memory, and the
billing page needs a tab's state only across a trip to Stripe's portal (SECURITY.md).

Pages are plain HTML elements styled with Tailwind (the Tailwind v4 plugin), without Radix
Themes (billing_app/ui/components/__init__.py); the built files are also stored compressed with
Brotli (smaller than gzip), which browsers prefer, and gzip for the others.
"""

import sys

import reflex as rx

from billing_app.platform.origins import trusted_origins
from billing_app.platform.settings import SettingsError, hosting_settings

STATE_EXPIRY_S = 15 * 60

try:
    hosting = hosting_settings()
except SettingsError as exc:
    sys.exit(f"billing_app: configuration error: {exc}")

config = rx.Config(
    app_name="billing_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # No Tailwind plugins (the default adds @tailwindcss/typography, which no page uses).
    plugins=[rx.plugins.TailwindV4Plugin(config={"plugins": []})],
    disable_plugins=[rx.plugins.SitemapPlugin],
    frontend_compression_formats=["brotli", "gzip"],
    redis_url=hosting.redis_url,
    redis_token_expiration=STATE_EXPIRY_S,
    cors_allowed_origins=trusted_origins(
        hosting.site_url,
        development=rx.config.environment.REFLEX_ENV_MODE.get() != rx.constants.Env.PROD,
    ),
)
