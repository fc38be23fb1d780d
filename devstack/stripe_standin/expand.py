"""How stored objects are shown: the public view, `expand[]` and includable fields."""

from __future__ import annotations

import copy
from typing import Any

from .errors import invalid_request
from .store import PREFIX_COLLECTIONS, StripeState

# object type -> expand paths that add a field kept out of the default view
INCLUDABLE = {"billing_portal.configuration": ("features", "subscription_update", "products")}


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy of a stored object as the API shows it by default (includable fields left out)."""
    shown = copy.deepcopy(obj)
    hidden = INCLUDABLE.get(obj.get("object", ""))
    if hidden:
        node: Any = shown
        for part in hidden[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(hidden[-1], None)
    return shown


def _is_id(value: str) -> bool:
    return any(value.startswith(prefix) for prefix, _ in PREFIX_COLLECTIONS)


def render(obj: dict[str, Any], paths: list[str], state: StripeState) -> dict[str, Any]:
    """`obj` (an object or a list object) as shown with `expand[]=paths`: an id replaced by its
    object, dotted paths walking into objects and lists (`items.data.price.product`, or
    `data.customer` on a list), Stripe's "This property cannot be expanded" for anything else."""
    is_list = obj["object"] == "list"
    shown = dict(obj) if is_list else public(obj)
    if is_list:
        shown["data"] = [public(item) for item in obj["data"]]
    for path in paths:
        parts = path.split(".")
        if is_list and parts[0] != "data":
            raise invalid_request(f"This property cannot be expanded ({path}).", param="expand")
        _expand(shown, parts, path, state, source=obj)
    return shown


def _expand(node: Any, parts: list[str], path: str, state: StripeState, source: Any) -> None:
    if isinstance(node, list):
        for index, element in enumerate(node):
            original = source[index] if isinstance(source, list) and index < len(source) else None
            _expand(element, parts, path, state, original)
        return
    key, rest = parts[0], parts[1:]
    if not isinstance(node, dict):
        raise invalid_request(f"This property cannot be expanded ({path}).", param="expand")
    hidden = INCLUDABLE.get(node.get("object", ""))
    if hidden and tuple(parts) == hidden and isinstance(source, dict):
        node["features"]["subscription_update"]["products"] = copy.deepcopy(
            source["features"]["subscription_update"].get("products", [])
        )
        return
    if key not in node:
        raise invalid_request(f"This property cannot be expanded ({path}).", param="expand")
    value = node[key]
    original = source.get(key) if isinstance(source, dict) else None
    if value is None:
        return
    if isinstance(value, str):
        if not _is_id(value):
            raise invalid_request(f"This property cannot be expanded ({path}).", param="expand")
        target = state.find(value)
        if target is None:
            return
        node[key] = value = public(target)
        original = target
    elif not rest and not (isinstance(value, dict) and "id" in value):
        raise invalid_request(f"This property cannot be expanded ({path}).", param="expand")
    if rest:
        _expand(value, rest, path, state, original)
