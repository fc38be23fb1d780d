"""Reflex's configuration. The app's own settings (keys, URLs) are read in billing_app/settings.py."""

import reflex as rx

config = rx.Config(
    app_name="billing_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
