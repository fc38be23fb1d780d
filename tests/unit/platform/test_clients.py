"""Where the Supabase keys go (platform/clients.py): a new sb_ key only in `apikey`; a legacy
JWT key also as the Bearer token, as supabase-py sends it."""

from __future__ import annotations

import jwt
from pydantic import SecretStr

from billing_app.platform import clients

LEGACY = jwt.encode({"role": "anon"}, "x" * 40, algorithm="HS256")


def test_an_sb_key_goes_only_in_apikey():
    assert clients.key_headers(SecretStr("sb_publishable_abc")) == {"apikey": "sb_publishable_abc"}
    assert clients.key_headers(SecretStr("sb_secret_abc")) == {"apikey": "sb_secret_abc"}


def test_a_legacy_key_is_also_the_bearer_token():
    assert clients.key_headers(SecretStr(LEGACY)) == {"apikey": LEGACY,
                                                      "Authorization": f"Bearer {LEGACY}"}


def test_retry_after_is_read_or_a_minute():
    assert clients.retry_after_s(None) == clients.SUPABASE_BUSY_RETRY_AFTER_S == 60
    assert clients.retry_after_s({"retry-after": "7"}) == 7
    assert clients.retry_after_s({"retry-after": "Wed, 21 Oct 2026 07:28:00 GMT"}) == 60
