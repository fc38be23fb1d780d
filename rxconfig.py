"""Reflex's configuration. The app's own settings (keys, URLs) are read in billing_app/settings.py.

`cors_allowed_origins` replaces Reflex's allow-everyone default with SITE_URL's origin (and the
dev frontend in development): see billing_app/trusted_origins.py.
"""

import reflex as rx

from billing_app.trusted_origins import trusted_origins

config = rx.Config(
    app_name="billing_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
    cors_allowed_origins=trusted_origins(
        development=rx.config.environment.REFLEX_ENV_MODE.get() != rx.constants.Env.PROD
    ),
)
