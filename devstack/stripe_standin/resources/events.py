"""Events: the object, publishing every change as one (queued for its webhook), and their routes."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import invalid_request
from ..expand import public
from ..ids import new_id
from ..params import as_str, as_str_list
from ..routes import API_VERSION, AUTOMATIC, LIST_PARAMS, Call, Origin, Route, page, retrieve

if TYPE_CHECKING:
    from ..account import Account


def event_object(
    event_type: str,
    data_object: dict[str, Any],
    previous_attributes: dict[str, Any] | None,
    origin: Origin,
    pending_webhooks: int,
    created: int,
) -> dict[str, Any]:
    data: dict[str, Any] = {"object": data_object}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": new_id("evt_1"),
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": data,
        "livemode": False,
        "pending_webhooks": pending_webhooks,
        "request": {"id": origin.request_id, "idempotency_key": origin.idempotency_key},
        "type": event_type,
    }


def publish(
    account: Account,
    event_type: str,
    obj: dict[str, Any],
    origin: Origin = AUTOMATIC,
    previous: dict[str, Any] | None = None,
) -> None:
    """Record an event about `obj` (as the API shows it, at this moment) and queue its webhook."""
    deliver = account.delivery.accepts(event_type)
    snapshot = json.loads(json.dumps(public(obj)))
    pending = 1 if deliver else 0
    event = event_object(event_type, snapshot, previous, origin, pending, account.now())
    account.state.events[event["id"]] = event
    if deliver:
        account.delivery.queue(event)
    account.store.changed()


def publish_changes(
    account: Account, stored: dict[str, Any], draft: dict[str, Any], event_type: str, origin: Origin
) -> None:
    """Apply a fully validated draft to a stored object and publish what changed, if anything,
    with Stripe's `previous_attributes` (the old value of each top-level field that changed).
    Changes are made on drafts so that a request failing half-way changes nothing."""
    previous = {
        key: copy.deepcopy(value) for key, value in stored.items() if draft.get(key) != value
    }
    if not previous:
        return
    stored.clear()
    stored.update(draft)
    publish(account, event_type, stored, origin, previous)


def _type_matches(pattern: str) -> Callable[[str], bool]:
    """Event type filters allow a `*` wildcard, e.g. `customer.subscription.*`."""
    regex = re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")
    return lambda value: bool(regex.match(value))


def _list(call: Call) -> dict[str, Any]:
    params: Mapping[str, Any] = call.params
    if "type" in params and "types" in params:
        raise invalid_request(
            "You may only specify one of these parameters: type, types.", param="types"
        )
    patterns = [as_str(params["type"], "type")] if "type" in params else []
    if "types" in params:
        patterns = as_str_list(params["types"], "types")
    matchers = [_type_matches(p) for p in patterns]
    filters = [lambda e: any(m(e["type"]) for m in matchers)] if matchers else []
    return page(call, "events", "event", filters)


ROUTES = (
    Route("GET", "/v1/events", "EventListParams", ("type", "types", *LIST_PARAMS), _list),
    Route("GET", "/v1/events/{id}", "EventRetrieveParams", (), retrieve("events", "event")),
)
