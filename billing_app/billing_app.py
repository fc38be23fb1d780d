"""The app: its pages, and the HTTP routes mounted ahead of Reflex's own.

Settings are validated here, at import, so a missing or invalid variable stops the app before
it serves anything, with a message that names the variable.
"""

from __future__ import annotations

import sys

import reflex as rx

from billing_app import clients, routes
from billing_app.api import create_api
from billing_app.settings import SettingsError, get_settings

try:
    get_settings()
except SettingsError as exc:
    sys.exit(f"billing_app: configuration error: {exc}")

from billing_app.pages.billing import billing_page
from billing_app.pages.login import login_page
from billing_app.state.billing import BillingState
from billing_app.state.login import LoginState

app = rx.App(api_transformer=create_api())
app.register_lifespan_task(clients.lifespan)

app.add_page(login_page, route=routes.LOGIN, title="Sign in", on_load=LoginState.on_load)
app.add_page(billing_page, route=routes.BILLING, title="Billing", on_load=BillingState.load)
# Everything else under the dashboard leads to the billing page (which checks the session).
for path in (routes.HOME, routes.DASHBOARD, "/dashboard/settings"):
    app.add_page(rx.fragment, route=path, on_load=rx.redirect(routes.BILLING, replace=True))
