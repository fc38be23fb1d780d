"""A JWT's claims read without verifying it: only to narrow a query, skip a round trip that
would certainly fail, or check which role a key was made for. Never to decide who a user is:
Supabase Auth does that."""

from __future__ import annotations

from typing import Any

import jwt


def unverified_claims(token: str) -> dict[str, Any]:
    """The token's claims, or {} when it is no JWT."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return {}
    return claims if isinstance(claims, dict) else {}
