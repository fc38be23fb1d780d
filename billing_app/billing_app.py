"""The app: its pages, and the HTTP routes mounted ahead of Reflex's own.

Settings are validated here, at import, so a missing or invalid variable stops the app before
it serves anything, with a message that names the variable. `reflex export` is the exception:
it builds the app without running it, so a build machine needs none of the keys (and so none
can end up in the build); the backend it exports validates them when it starts.
From here on, log lines lose their credentials (platform/log_redaction.py).
"""

from __future__ import annotations

import sys

import reflex as rx
from reflex.constants import CompileContext
from reflex.utils.exec import get_compile_context

from billing_app.api.app import with_reflex
from billing_app.platform import clients, log_redaction, paths
from billing_app.platform.settings import SettingsError, get_settings
from billing_app.ui.backend_errors import on_backend_error
from billing_app.ui.components.languages import languages_script
from billing_app.ui.pages.billing import billing_page
from billing_app.ui.pages.login import login_page
from billing_app.ui.states.billing import BillingState
from billing_app.ui.states.login import LoginState

log_redaction.install()

if get_compile_context() != CompileContext.EXPORT:
    try:
        get_settings()
    except SettingsError as exc:
        sys.exit(f"billing_app: configuration error: {exc}")

# Messages appear in the page (ui/components/messages.py), so no toaster: Reflex's one is 33 KB of
# JavaScript on every load. Its connection overlay goes with it; the pages show the connection's
# trouble themselves (connection_alert).
app = rx.App(api_transformer=with_reflex, toaster=None,
             backend_exception_handler=on_backend_error, head_components=[languages_script()])
del app.app_wraps[(5, "Overlay")]
app.register_lifespan_task(clients.lifespan)

app.add_page(login_page, route=paths.LOGIN, title="Sign in", on_load=LoginState.on_load)
app.add_page(billing_page, route=paths.BILLING, title="Billing", on_load=BillingState.load)
# Everything else under the dashboard leads to the billing page (which checks the session).
for path in (paths.HOME, paths.DASHBOARD, paths.DASHBOARD_SETTINGS):
    app.add_page(rx.fragment, route=path, on_load=rx.redirect(paths.BILLING, replace=True))
