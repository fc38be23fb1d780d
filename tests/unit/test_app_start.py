"""What happens before the app serves anything: rxconfig.py hands REDIS_URL to Reflex and sets how
long Reflex keeps an abandoned tab's state, a bad setting stops the app naming the variable, and
`reflex export` builds without any settings.
Each runs in a fresh Python process, as Reflex loads these modules once per process."""

from __future__ import annotations

import os
import subprocess
import sys

from reflex_base.environment import environment

from devstack.app_process import APP_SETTINGS
from devstack.config import PROJECT_ROOT

READ_REDIS_URL = "import reflex as rx; print(rx.config.get_config().redis_url)"
IMPORT_APP = "import billing_app.billing_app"


def run(code: str, **env: str) -> subprocess.CompletedProcess:
    # Every app setting empty: python-dotenv never overrides a variable that is set, so a
    # developer's .env can't fill them in either.
    clean = {k: v for k, v in os.environ.items()
             if "REFLEX_" not in k and k not in APP_SETTINGS}
    return subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=120, check=False,
                          env={**clean, **dict.fromkeys(APP_SETTINGS, ""), **env})


def test_redis_url_becomes_reflexs_redis_url():
    done = run(READ_REDIS_URL, REDIS_URL="redis://127.0.0.1:6390/3")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "redis://127.0.0.1:6390/3"


def test_reflex_forgets_an_abandoned_tab_within_fifteen_minutes():
    """Reflex's default keeps every tab's state for an hour: 1,500 anonymous visits held 30 MB
    (SECURITY.md). The billing page needs a tab's state only across a trip to Stripe's portal."""
    done = run("import reflex as rx; print(rx.config.get_config().redis_token_expiration)")
    assert done.returncode == 0, done.stderr
    expiry = int(done.stdout.strip())
    assert expiry <= 15 * 60
    from billing_app.ui.states.billing import PORTAL_RETURN_WINDOW_S
    assert PORTAL_RETURN_WINDOW_S <= expiry  # the portal return is told apart only that long


def test_without_redis_url_reflex_has_none():
    done = run(READ_REDIS_URL)
    assert (done.returncode, done.stdout.strip()) == (0, "None")


def test_an_invalid_redis_url_stops_reflex_naming_the_variable():
    done = run(READ_REDIS_URL, REDIS_URL="http://127.0.0.1:6379")
    assert done.returncode != 0
    assert ("REDIS_URL (or REFLEX_REDIS_URL) must be a redis://, rediss:// or unix:// URL."
            in done.stderr)
    assert "Traceback" not in done.stderr


def test_the_app_refuses_to_start_without_settings_naming_each():
    done = run(IMPORT_APP)
    assert done.returncode != 0
    assert "billing_app: configuration error: SITE_URL is not set" in done.stderr
    for name in ("SUPABASE_URL", "SUPABASE_PUBLISHABLE_KEY", "SUPABASE_SECRET_KEY",
                 "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
        assert f"{name} is not set" in done.stderr
    assert "Traceback" not in done.stderr


def test_reflex_export_builds_the_app_without_any_settings():
    # What `reflex export` sets before it imports the app.
    done = run(IMPORT_APP, **{environment.REFLEX_COMPILE_CONTEXT.name: "export"})
    assert done.returncode == 0, done.stderr
