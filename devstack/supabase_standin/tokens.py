"""JSON Web Tokens as Supabase issues them, in either key generation (DEVSTACK_SUPABASE_KEYS).

- new (the default): access tokens are signed with an asymmetric key, ES256 with a `kid`,
  whose public half is published at `/auth/v1/.well-known/jwks.json`. `SigningKeys` holds the
  current key and the keys rotated out before it: a token signed with a rotated-out key still
  verifies until that key is revoked (Supabase guide "JWT Signing Keys"; supabase/auth
  `internal/api/jwks.go`). Only tokens whose `kid` is in the JWKS verify; HS256 is refused.
- legacy: access tokens, and the anon / service_role API keys themselves, are HS256 JWTs signed
  with the project's JWT secret; the JWKS is empty.

Access tokens carry the claims GoTrue puts in them (`sub`, `role`, `aud`, `session_id`, `aal`,
`amr`, ...).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

API_ROLES = frozenset({"anon", "authenticated", "service_role"})
ASYMMETRIC_ALG = "ES256"


class TokenError(Exception):
    """A token that can't be trusted. `expired` tells an expired token from a forged one."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass
class _Key:
    kid: str
    private: ec.EllipticCurvePrivateKey

    def public_jwk(self) -> dict:
        """The key as the JWKS lists it (the shape of Supabase's own entries)."""
        jwk = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**jwk, "alg": ASYMMETRIC_ALG, "kid": self.kid, "use": "sig",
                "key_ops": ["verify"], "ext": True}

    def to_json(self) -> dict:
        pem = self.private.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
        return {"kid": self.kid, "private_pem": pem.decode()}

    @classmethod
    def from_json(cls, data: dict) -> _Key:
        private = serialization.load_pem_private_key(data["private_pem"].encode(), None)
        assert isinstance(private, ec.EllipticCurvePrivateKey)
        return cls(data["kid"], private)

    @classmethod
    def new(cls) -> _Key:
        return cls(str(uuid.uuid4()), ec.generate_private_key(ec.SECP256R1()))


@dataclass
class SigningKeys:
    """The project's ES256 signing keys, kept in `path` (so tokens stay valid across restarts,
    and tests can sign tokens of their own): the current key first, then the rotated-out ones
    that still verify."""

    path: Path
    keys: list[_Key] = field(default_factory=list)

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKeys:
        if path.exists():
            data = json.loads(path.read_text())
            return cls(path, [_Key.from_json(k) for k in data["keys"]])
        made = cls(path, [_Key.new()])
        made._save()
        return made

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({"keys": [k.to_json() for k in self.keys]}, indent=2))
        self.path.chmod(0o600)

    @property
    def current_kid(self) -> str:
        return self.keys[0].kid

    def rotate(self) -> None:
        """A new current key; the old one stays in the JWKS (rotated out, not revoked)."""
        self.keys.insert(0, _Key.new())
        self._save()

    def revoke_previous(self) -> list[str]:
        """Drop every key but the current one; tokens they signed stop verifying."""
        revoked = [k.kid for k in self.keys[1:]]
        self.keys = self.keys[:1]
        self._save()
        return revoked

    def jwks(self) -> dict:
        return {"keys": [k.public_jwk() for k in self.keys]}

    def sign(self, claims: dict) -> str:
        current = self.keys[0]
        return jwt.encode(claims, current.private, algorithm=ASYMMETRIC_ALG,
                          headers={"kid": current.kid})

    def key_for(self, kid: object) -> ec.EllipticCurvePublicKey | None:
        found = next((k for k in self.keys if k.kid == kid), None)
        return found.private.public_key() if found else None


@dataclass
class TokenIssuer:
    """Signs and verifies one project's tokens: ES256 with `signing_keys`, or HS256 with `secret`
    when `signing_keys` is None (the legacy generation)."""

    secret: str
    issuer: str
    expiry_seconds: int = 3600
    signing_keys: SigningKeys | None = None

    @property
    def asymmetric(self) -> bool:
        return self.signing_keys is not None

    def jwks(self) -> dict:
        return self.signing_keys.jwks() if self.signing_keys else {"keys": []}

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
        if self.signing_keys is not None:
            return self.signing_keys.sign(claims), expires_at
        return jwt.encode(claims, self.secret, algorithm="HS256"), expires_at

    def _key(self, token: str) -> tuple[object, str]:
        if self.signing_keys is None:
            return self.secret, "HS256"
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise TokenError(f"unable to parse or verify signature, {exc}") from exc
        key = self.signing_keys.key_for(header.get("kid"))
        if key is None:
            raise TokenError("unable to find a signing key for the token's kid")
        return key, ASYMMETRIC_ALG

    def verify(self, token: str) -> dict:
        """The claims of a token this project signed and that has not expired."""
        key, algorithm = self._key(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                options={"require": ["exp"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenError("token is expired", expired=True) from exc
        except jwt.InvalidTokenError as exc:
            raise TokenError(f"unable to parse or verify signature, {exc}") from exc
        if claims.get("role") not in API_ROLES:
            raise TokenError("token has an unknown role")
        return claims
