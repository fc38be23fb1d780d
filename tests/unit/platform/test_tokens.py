"""Reading a JWT's claims without verifying it (platform/tokens.py)."""

from __future__ import annotations

import jwt
import pytest

from billing_app.platform.tokens import unverified_claims

CLAIMS = {"sub": "5b6e8c1e-0000-4000-8000-000000000001", "role": "authenticated", "exp": 2e9}


@pytest.mark.parametrize("algorithm", ["HS256", "HS512"])
def test_the_claims_of_a_jwt_whatever_its_signature(algorithm):
    token = jwt.encode(CLAIMS, "not-the-projects-secret-" * 3, algorithm=algorithm)
    assert unverified_claims(token) == jwt.decode(token, options={"verify_signature": False})
    assert unverified_claims(token) == CLAIMS


@pytest.mark.parametrize("token", [
    "", "not a jwt", "a.b", "a.b.c.d", "eyJhbGciOiJIUzI1NiJ9.!!!!.sig", "x.e30.y".replace("e30", "W10"),
    "x." + "bm90IGpzb24" + ".y", "sb_publishable_abc123",
])
def test_anything_else_has_no_claims(token):
    assert unverified_claims(token) == {}
