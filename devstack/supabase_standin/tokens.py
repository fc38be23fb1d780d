"""JSON Web Tokens as Supabase issues them: HS256, signed with the project's JWT secret.

Access tokens carry the claims GoTrue puts in them (`sub`, `role`, `aud`, `session_id`, `aal`,
`amr`, ...). The project keys (anon, service_role) are JWTs too, signed with the same secret.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

API_ROLES = frozenset({"anon", "authenticated", "service_role"})


class TokenError(Exception):
    """A token that can't be trusted. `expired` tells an expired token from a forged one."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass
class TokenIssuer:
    secret: str
    issuer: str
    expiry_seconds: int = 3600

    def access_token(self, user: dict, session_id: str, signed_in_at: int) -> tuple[str, int]:
        """A fresh access token for `user` in `session_id`; returns (token, expires_at)."""
        now = int(time.time())
        expires_at = now + self.expiry_seconds
        claims = {
            "iss": self.issuer,
            "sub": str(user["id"]),
            "aud": "authenticated",
            "exp": expires_at,
            "iat": now,
            "email": user["email"],
            "phone": "",
            "app_metadata": user["app_metadata"],
            "user_metadata": user["user_metadata"],
            "role": "authenticated",
            "aal": "aal1",
            "amr": [{"method": "password", "timestamp": signed_in_at}],
            "session_id": session_id,
            "is_anonymous": False,
        }
        return jwt.encode(claims, self.secret, algorithm="HS256"), expires_at

    def verify(self, token: str) -> dict:
        """The claims of a token this project signed and that has not expired."""
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=["HS256"],
                options={"require": ["exp"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenError("token is expired", expired=True) from exc
        except jwt.InvalidTokenError as exc:
            raise TokenError(f"unable to parse or verify signature, {exc}") from exc
        if claims.get("role") not in API_ROLES:
            raise TokenError("token has an unknown role")
        return claims
