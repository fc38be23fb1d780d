"""Fixtures shared by every test: the local stack, and clients that talk to it.

The stack runs for the whole session in its own temporary state folder and on free ports, so a
`make run` in another terminal is never disturbed. In CI (CI=true) a missing database, browser
or stand-in fails the run; on a laptop it skips the tests that need it, saying why.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import stripe
from supabase import Client

from devstack import seed as demo
from devstack.config import DEFAULT_TOKEN_REFRESH_RATE_LIMIT, StackConfig
from devstack.postgres import PostgresError, find_bin_dir
from devstack.stack import destroy, up
from tests.helpers import (
    Devstack,
    HttpsApp,
    RedisServer,
    RunningApp,
    free_port,
    launch_app,
    project_copy,
    require,
    start_redis,
    stop_app,
)
from tests.in_process import InProcessApp, running
from tests.tls_front import TlsFront

# Every test signs in from this machine's one address, so the Auth stand-in's per-IP /token
# bucket is set out of the suite's way; the tests of that bucket (and of what the app does to
# spare it) set GoTrue's default for themselves (the `gotrue_token_bucket` fixture).
SUITE_TOKEN_REFRESH_RATE_LIMIT = 1_000_000


def _start_stack(tmp_path_factory: pytest.TempPathFactory, keys: str) -> StackConfig:
    try:
        find_bin_dir()
    except PostgresError as exc:
        require(False, str(exc))
    config = StackConfig(
        state_dir=tmp_path_factory.mktemp(f"devstack-{keys}"),
        supabase_port=free_port(),
        postgres_port=free_port(),
        stripe_port=free_port(),
        supabase_keys=keys,
        token_refresh_rate_limit=SUITE_TOKEN_REFRESH_RATE_LIMIT,
    )
    up(config)
    return config


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    """PostgreSQL, the Supabase stand-in and the Stripe stand-in, up for the whole session, on
    the new generation of Supabase keys (sb_ keys, ES256 tokens and a JWKS)."""
    config = None
    try:
        config = _start_stack(tmp_path_factory, "new")
        yield config
    finally:
        if config is not None:
            destroy(config)


@pytest.fixture(scope="session")
def legacy_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackConfig]:
    """A second stack, as `DEVSTACK_SUPABASE_KEYS=legacy` brings it up: JWT anon / service_role
    keys and HS256 tokens, its demo accounts seeded. For the legacy subset of the tests."""
    config = None
    try:
        config = _start_stack(tmp_path_factory, "legacy")
        demo.seed(config)
        yield config
    finally:
        if config is not None:
            destroy(config)


@pytest.fixture
def gotrue_token_bucket(devstack: Devstack) -> Iterator[Devstack]:
    """The Auth stand-in's /token bucket at GoTrue's default (150 per 5 minutes per IP, burst
    30), freshly full; the suite's own setting again afterwards."""
    devstack.auth_settings(rate_limit_token_refresh=DEFAULT_TOKEN_REFRESH_RATE_LIMIT)
    yield devstack
    devstack.auth_settings(rate_limit_token_refresh=SUITE_TOKEN_REFRESH_RATE_LIMIT,
                           sb_forwarded_for_enabled=False)


@pytest.fixture(scope="session")
def demo_users(stack: StackConfig) -> dict[str, str]:
    """The demo accounts, seeded once: email -> user id."""
    return demo.seed(stack)


@pytest.fixture(scope="session")
def admin(stack: StackConfig) -> Client:
    """Service-role client: bypasses RLS. Never signs in."""
    return demo.admin_client(stack)


@pytest.fixture
def anon_client(stack: StackConfig) -> Callable[[], Client]:
    """A factory of fresh anon-key clients (one per user, since signing in changes a client)."""
    return lambda: demo.project_client(stack, "anon")


@pytest.fixture(scope="session")
def stripe_client(stack: StackConfig) -> stripe.StripeClient:
    return stripe.StripeClient(
        stack.secrets.stripe_secret_key, base_addresses={"api": stack.stripe_api_base}
    )


@dataclass
class TestUser:
    id: str
    email: str
    password: str
    client: Client  # signed in as this user
    access_token: str
    refresh_token: str


@pytest.fixture
def make_user(stack: StackConfig, admin: Client) -> Callable[..., TestUser]:
    """Create a fresh, signed-in user; `with_row=True` gives them a subscription row."""

    def make(with_row: bool = False, **row: object) -> TestUser:
        email = f"user-{uuid.uuid4().hex[:12]}@example.com"
        password = "test-password"
        created = admin.auth.admin.create_user(
            {"email": email, "password": password, "email_confirm": True}
        )
        client = demo.project_client(stack, "anon")
        session = client.auth.sign_in_with_password({"email": email, "password": password}).session
        user = TestUser(created.user.id, email, password, client, session.access_token,
                        session.refresh_token)
        if with_row:
            values = {
                "user_id": user.id,
                "stripe_customer_id": f"cus_test_{uuid.uuid4().hex[:14]}",
                "stripe_subscription_id": f"sub_test_{uuid.uuid4().hex[:14]}",
                "status": "active",
            }
            values.update(row)
            admin.table("user_subscriptions").insert(values).execute()
        return user

    return make


@pytest.fixture(scope="session")
def devstack(stack: StackConfig) -> Iterator[Devstack]:
    control = Devstack(stack)
    yield control


@pytest.fixture
def no_faults(devstack: Devstack) -> Iterator[Devstack]:
    """For tests that inject faults: whatever they set is cleared afterwards."""
    devstack.clear_faults()
    yield devstack
    devstack.clear_faults()


@pytest.fixture
def held_webhooks(devstack: Devstack) -> Iterator[None]:
    """The Stripe stand-in keeps its events to itself during the test; the test delivers them."""
    devstack.wait_for_webhooks()
    url = devstack.webhook_url()
    devstack.point_webhooks(None)
    yield
    devstack.point_webhooks(url)


# The shared instance serves many tests for the same demo user within a minute, so its portal
# and sign-in limits are raised; the defaults are tested on instances of their own (the
# `https_app` fixture below, tests/e2e/exported/test_sign_in_limits.py).
SUITE_PORTAL_RATE_LIMIT = "1000/minute"
SUITE_LIMITS = {"PORTAL_RATE_LIMIT": SUITE_PORTAL_RATE_LIMIT,
                "SIGN_IN_EMAIL_RATE_LIMIT": "1000/minute", "SIGN_IN_IP_RATE_LIMIT": "1000/minute"}


@pytest.fixture(scope="module")
def api(stack: StackConfig, demo_users: dict[str, str]) -> Iterator[InProcessApp]:
    """The app's HTTP routes in this process (see tests/in_process.py), on the stand-ins: one
    per module, so its settings are in the environment only while the module runs."""
    with running(stack, PORTAL_RATE_LIMIT=SUITE_PORTAL_RATE_LIMIT) as app:
        yield app


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """Debian's redis-server on a free port, for the whole session (missing: a failure in CI)."""
    server = start_redis(tmp_path_factory.mktemp("redis"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def app_server(stack: StackConfig, demo_users: dict[str, str], devstack: Devstack,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app as hosted (`reflex run --env prod`), with the Stripe stand-in's webhooks
    pointed at it."""
    proc, app = launch_app(stack, tmp_path_factory.mktemp("app") / "app.log",
                           extra_env=SUITE_LIMITS)
    devstack.point_webhooks(f"{app.url}/api/webhooks/stripe")
    try:
        yield app
    finally:
        stop_app(proc)


@pytest.fixture(scope="session")
def https_app(stack: StackConfig, demo_users: dict[str, str],
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpsApp]:
    """Built and run from a copy of the project, so its frontend (which bakes in the https
    address) doesn't overwrite the shared instance's `.web`. The build is fresh: the copy leaves
    the old build output behind."""
    root = tmp_path_factory.mktemp("https-app")
    project = project_copy(root / "project")
    app_port = free_port()
    front = TlsFront(free_port(), app_port).start()
    try:
        proc, app = launch_app(stack, root / "app.log", cwd=project, port=app_port,
                               extra_env={"SITE_URL": front.url, "REFLEX_API_URL": front.url})
    except BaseException:
        front.stop()
        raise
    try:
        yield HttpsApp(front.url, app, front, project)
    finally:
        stop_app(proc)
        front.stop()
