"""Stripe's idempotent requests: the cache that replays the first answer to an `Idempotency-Key`.

As Stripe keeps them (docs.stripe.com/api/idempotent_requests; docs.stripe.com/error-low-level,
"Idempotency"): once the endpoint has begun executing, the first result for a key is saved,
whatever its status (a 500 included), and replayed for 24 hours. Nothing is saved for a request
refused before execution: a parameter that fails validation, a concurrent request holding the
key, a rate-limited (429) or unauthenticated (401) request, since Stripe checks those ahead of
its idempotency layer.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import parse_qsl

from .errors import StripeError

KEY_TTL_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class SavedResponse:
    endpoint: str  # "POST /v1/customers"
    fingerprint: str
    status: int
    body: bytes
    request_id: str
    saved_at: float
    headers: tuple[tuple[str, str], ...] = ()


def fingerprint(body: str) -> str:
    """Parameters compared as a set of pairs, so their order doesn't matter."""
    pairs = sorted(parse_qsl(body, keep_blank_values=True))
    return hashlib.sha256(repr(pairs).encode()).hexdigest()


class IdempotencyCache:
    """Same key, endpoint and parameters: the saved response is replayed (`Idempotent-Replayed:
    true`, `Original-Request: <first request id>`) and nothing runs twice. Same key with other
    parameters or another endpoint: 400 `idempotency_error`. Same key while the first request
    still runs: 409 `idempotency_key_in_use` (stripe-python retries 409s). Every executed
    answer is saved, errors and 500s too, so a retry with the same key gets the same failure; a
    corrected request needs a new key. Keys are kept 24 hours, in memory, up to `max_entries`
    (oldest dropped first)."""

    def __init__(self, ttl: float = KEY_TTL_SECONDS, max_entries: int = 50_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._saved: OrderedDict[str, SavedResponse] = OrderedDict()
        self._running: set[str] = set()

    def clear(self) -> None:
        self._saved.clear()

    def _prune(self) -> None:
        cutoff = time.time() - self.ttl
        while self._saved:
            oldest = next(iter(self._saved.values()))
            if oldest.saved_at >= cutoff and len(self._saved) <= self.max_entries:
                break
            self._saved.popitem(last=False)

    def check(self, key: str, endpoint: str, print_: str) -> SavedResponse | None:
        """The saved response to replay, None to go ahead (the key is then held), or an error."""
        if len(key) > MAX_KEY_LENGTH:
            raise StripeError(
                f"Invalid Idempotency-Key: keys can be at most {MAX_KEY_LENGTH} characters long.",
                param="Idempotency-Key",
            )
        self._prune()
        saved = self._saved.get(key)
        if saved is not None:
            if saved.endpoint != endpoint:
                raise StripeError(
                    "Keys for idempotent requests can only be used for the same endpoint they were "
                    f"first used for ('{saved.endpoint}' vs '{endpoint}'). Try using a key other "
                    f"than '{key}' if you meant to execute a different request.",
                    type="idempotency_error",
                )
            if saved.fingerprint != print_:
                raise StripeError(
                    "Keys for idempotent requests can only be used with the same parameters they "
                    f"were first used with. Try using a key other than '{key}' if you meant to "
                    "execute a different request.",
                    type="idempotency_error",
                )
            return saved
        if key in self._running:
            raise StripeError(
                "There is currently another in-progress request using this Idempotent Key (that "
                "probably means you submitted twice, and the other request is still going "
                f"through): {key}. Please try again later.",
                status=409,
                code="idempotency_key_in_use",
            )
        self._running.add(key)
        return None

    def finish(self, key: str, saved: SavedResponse | None) -> None:
        """Release the key; keep `saved` (None when the request never began executing)."""
        self._running.discard(key)
        if saved is not None:
            self._saved[key] = saved
