"""What a `/v1` route is: its table entry, the call its handler gets, and the list pages it
answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import stripe

from .errors import resource_missing
from .params import as_int, as_str

if TYPE_CHECKING:
    from .account import Account

API_VERSION: str = stripe.api_version  # the version stripe-python pins, e.g. "2026-10-28.endive"
# Every list route pages with these (stripe-python's auto-paging uses `starting_after`).
LIST_PARAMS = ("limit", "starting_after")


@dataclass(frozen=True)
class Origin:
    """What caused a change: an API request (its id and idempotency key) or nothing (the hosted
    pages, or time passing), as Stripe records it in `event.request`."""

    request_id: str | None = None
    idempotency_key: str | None = None


AUTOMATIC = Origin()


@dataclass
class Call:
    """One API request as a handler sees it."""

    account: Account
    params: dict[str, Any]
    path: dict[str, str]  # the `{id}` parts of the route's path
    origin: Origin
    url: str  # the request's path, e.g. "/v1/customers"


# A handler answers with the object (or list object) to show, or a coroutine of one.
Handler = Callable[[Call], dict[str, Any] | Awaitable[dict[str, Any]]]
Filter = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class Route:
    """One endpoint. `params_type` names the stripe-python request type that lists the parameters
    Stripe documents; `supports` lists those the stand-in implements (`a.b` for `a[b]`, lists
    looked through); a documented parameter it doesn't implement is refused, never ignored."""

    method: str
    path: str  # "/v1/customers/{id}"
    params_type: str
    supports: tuple[str, ...]
    handler: Handler


def retrieve(collection: str, kind: str) -> Handler:
    """The handler of `GET /v1/<things>/{id}`."""
    return lambda call: call.account.get(collection, kind, call.path["id"])


def matching(
    params: Mapping[str, Any], key: str, read: Callable[[Any, str], Any] = as_str
) -> list[Filter]:
    """The list filter "`key` equals the parameter", when the parameter is given."""
    if key not in params:
        return []
    wanted = read(params[key], key)
    return [lambda obj: obj[key] == wanted]


def page(call: Call, collection: str, kind: str, filters: Iterable[Filter] = ()) -> dict[str, Any]:
    """A list object of the matching objects, newest first, with `limit` and `starting_after`."""
    filters = list(filters)
    stored = getattr(call.account.state, collection).values()
    items = [obj for obj in reversed(list(stored)) if all(keep(obj) for keep in filters)]
    limit = as_int(call.params.get("limit", "10"), "limit", minimum=1, maximum=100)
    if call.params.get("starting_after"):
        cursor = as_str(call.params["starting_after"], "starting_after")
        index = next((i for i, obj in enumerate(items) if obj["id"] == cursor), None)
        if index is None:
            raise resource_missing(kind, cursor, param="starting_after", status=400)
        items = items[index + 1 :]
    has_more = len(items) > limit
    return {"object": "list", "data": items[:limit], "has_more": has_more, "url": call.url}
