"""A JWT's claims read without verifying it: only to narrow a query, skip a round trip that
would certainly fail, or check which role a key was made for. Never to decide who a user is:
Supabase Auth (or the JWKS check, session/signing_keys.py) does that."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any


def unverified_claims(token: str) -> dict[str, Any]:
    """The token's claims, or {} when it is no JWT.

    Only the middle segment is read (base64url, then JSON). PyJWT's `decode` without
    verification also checks every character of all three segments in Python, about 0.1 ms per
    call under load on the portal path (bench/RESULTS.md), checks that matter only to a
    signature nobody verifies here.
    """
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        return {}
    try:
        payload = base64.b64decode(parts[1] + "=" * (-len(parts[1]) % 4), altchars=b"-_",
                                   validate=True)
        claims = json.loads(payload)
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}
