"""Request parameters as Stripe reads them: bracket-notation decoding, which parameters an
endpoint documents and which the stand-in supports, and checks of single values."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Collection, Iterable, Mapping
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .errors import (
    invalid_request,
    not_supported,
    parameter_missing,
    parameter_unknown,
    url_invalid,
)

# Free-form maps whose keys are the caller's own, never list indexes.
FREE_FORM_KEYS = frozenset({"metadata"})

# Keys of stripe-python's parameter types that are client options, never sent on the wire.
REQUEST_OPTION_KEYS = frozenset(
    {
        "api_key",
        "content_type",
        "headers",
        "idempotency_key",
        "max_network_retries",
        "stripe_account",
        "stripe_context",
        "stripe_version",
    }
)

_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_BRACKET_RE = re.compile(r"\[([^\[\]]*)\]")


def _split_key(key: str) -> list[str]:
    """`items[0][price]` -> ["items", "0", "price"]; `expand[]` -> ["expand", ""]."""
    match = _KEY_RE.match(key)
    if not match:
        raise invalid_request(f"Invalid parameter name: {key}", param=key)
    return [match.group(1), *_BRACKET_RE.findall(match.group(2))]


def _param_name(path: list[str]) -> str:
    return path[0] + "".join(f"[{part}]" for part in path[1:])


def _insert(root: dict, path: list[str], value: str) -> None:
    node: Any = root
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        here = _param_name(path[: depth + 1])
        if part == "":
            # `x[]` appends; `x[][a]=1&x[][b]=2` fills one element until a key repeats (Rack's rule).
            if not isinstance(node, _AppendList):
                raise invalid_request(f"Invalid array: {here}", param=here)
            if last:
                node.append(value)
                return
            following = path[depth + 1]
            if not node or not isinstance(node[-1], dict) or following in node[-1]:
                node.append({})
            node = node[-1]
            continue
        if isinstance(node, _AppendList):
            raise invalid_request(f"Invalid hash: {here}", param=here)
        if last:
            if isinstance(node.get(part), (dict, list)):
                raise invalid_request(f"Invalid hash: {here}", param=here)
            node[part] = value
            return
        following = path[depth + 1]
        child = node.get(part)
        if child is None:
            child = _AppendList() if following == "" else {}
            node[part] = child
        elif not isinstance(child, (dict, list)):
            raise invalid_request(f"Invalid hash: {here}", param=here)
        node = child


class _AppendList(list):
    """A list built from `x[]` keys while decoding."""


def _finish(value: Any, key: str | None, name: str) -> Any:
    """Turn dicts keyed 0..n-1 into lists, recursively; free-form maps stay dicts."""
    if isinstance(value, list):
        return [_finish(item, None, f"{name}[{i}]") for i, item in enumerate(value)]
    if not isinstance(value, dict):
        return value
    if key not in FREE_FORM_KEYS and value and all(k.isdigit() for k in value):
        indexes = sorted(int(k) for k in value)
        if indexes != list(range(len(indexes))):
            raise invalid_request(f"Invalid array: {name}", param=name)
        return [_finish(value[str(i)], None, f"{name}[{i}]") for i in indexes]
    if key in FREE_FORM_KEYS:
        return {k: v for k, v in value.items()}
    return {k: _finish(v, k, f"{name}[{k}]" if name else k) for k, v in value.items()}


def decode_form(raw: str) -> dict[str, Any]:
    """Decode a Stripe form body or query string (`metadata[plan]=pro`, `items[0][price]=x`,
    `expand[]=customer`) into nested dicts and lists of strings."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        _insert(root, _split_key(key), value)
    return {k: _finish(v, k, k) for k, v in root.items()}


# --- which parameters an endpoint takes -----------------------------------------------------

_CLASS_NAME_RE = re.compile(r"\b([A-Z][A-Za-z0-9]+)\b")


def _typed_class(type_path: str) -> type:
    module_name, _, class_name = type_path.rpartition(".")
    module = importlib.import_module("stripe.params" + (f".{module_name}" if module_name else ""))
    return getattr(module, class_name)


@cache
def _schema(typed: type) -> dict[str, type | None]:
    """Each documented key of a stripe-python request type -> the request type nested under it
    (for hashes and arrays of hashes), or None for plain values and free-form maps."""
    module = sys.modules[typed.__module__]
    schema: dict[str, type | None] = {}
    for key, annotation in typed.__annotations__.items():
        if key in REQUEST_OPTION_KEYS:
            continue
        nested = None
        for name in _CLASS_NAME_RE.findall(repr(annotation)):
            candidate = getattr(module, name, None)
            if isinstance(candidate, type) and hasattr(candidate, "__optional_keys__"):
                nested = candidate
                break
        schema[key] = nested
    return schema


_LITERAL_RE = re.compile(r"Literal\[([^\]]*)\]")


@cache
def documented_values(type_path: str, key_path: str) -> tuple[str, ...]:
    """The values stripe-python's request type lists for a parameter (its `Literal[...]`), e.g.
    `documented_values("billing_portal.SessionCreateParams", "flow_data.type")`: the one
    source for enums such as locales and flow types, so they follow the pinned version."""
    typed: Any = _typed_class(type_path)
    *parents, key = key_path.split(".")
    for part in parents:
        typed = _schema(typed)[part]
    groups = _LITERAL_RE.findall(repr(typed.__annotations__[key]))
    values = tuple(v for group in groups for v in re.findall(r"'([^']*)'", group) if v)
    assert values, f"{type_path}.{key_path} lists no values"
    return values


def check_params(params: Mapping[str, Any], type_path: str, supports: Collection[str]) -> None:
    """Refuse a parameter the endpoint doesn't document (`parameter_unknown`, as Stripe does) or
    one the stand-in doesn't implement (saying so, rather than ignoring it). `type_path` names a
    stripe-python request type under `stripe.params` ("checkout.SessionCreateParams");
    `supports` holds dotted paths (`line_items.price` for `line_items[0][price]`), each
    covering everything below it."""
    _check(params, _typed_class(type_path), supports, "", "")


def _check(
    params: Mapping[str, Any], typed: type, supports: Collection[str] | None, path: str, name: str
) -> None:
    schema = _schema(typed)
    for key, value in params.items():
        here = f"{path}.{key}" if path else key
        param = f"{name}[{key}]" if name else key
        if key not in schema:
            raise parameter_unknown(param)
        inner = supports  # None: everything below is supported
        if supports is not None:
            if here in supports:
                inner = None
            elif not any(entry.startswith(here + ".") for entry in supports):
                raise not_supported(f"the parameter `{param}`", param=param)
        nested = schema[key]
        if nested is None:
            continue
        if isinstance(value, dict):
            _check(value, nested, inner, here, param)
        elif isinstance(value, list):
            for i, element in enumerate(value):
                if isinstance(element, dict):
                    _check(element, nested, inner, here, f"{param}[{i}]")


# --- reading one value ----------------------------------------------------------------------


def _show(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def as_str(value: Any, param: str) -> str:
    if not isinstance(value, str):
        raise invalid_request(f"Invalid string: {_show(value)}", param=param)
    return value


def as_optional_str(params: Mapping[str, Any], key: str, param: str | None = None) -> str | None:
    """The string at `key`, or None when absent or sent empty (Stripe's way to unset)."""
    if key not in params:
        return None
    value = as_str(params[key], param or key)
    return value or None


def missing(param: str) -> Any:
    """Raise Stripe's `parameter_missing`; for `params.get(key) or missing(name)`."""
    raise parameter_missing(param)


def required_str(params: Mapping[str, Any], key: str, param: str | None = None) -> str:
    value = params.get(key)
    if value is None or value == "":
        raise parameter_missing(param or key)
    return as_str(value, param or key)


def as_bool(value: Any, param: str) -> bool:
    if value in ("true", True):
        return True
    if value in ("false", False):
        return False
    raise invalid_request(f"Invalid boolean: {_show(value)}", param=param)


def as_int(
    value: Any, param: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    if isinstance(value, bool):
        raise invalid_request(f"Invalid integer: {_show(value)}", param=param)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        number = int(value)
    else:
        raise invalid_request(f"Invalid integer: {_show(value)}", param=param)
    if minimum is not None and number < minimum:
        raise invalid_request(
            f"This value must be greater than or equal to {minimum}.", param=param
        )
    if maximum is not None and number > maximum:
        raise invalid_request(f"This value must be less than or equal to {maximum}.", param=param)
    return number


def as_dict(value: Any, param: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid_request(f"Invalid object: {param} must be a hash", param=param)
    return value


def as_list(value: Any, param: str) -> list[Any]:
    if not isinstance(value, list):
        raise invalid_request(f"Invalid array: {param}", param=param)
    return value


def as_enum(value: Any, param: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    if isinstance(value, str) and value in choices:
        return value
    if len(choices) > 1:
        listed = ", ".join(choices[:-1]) + f", or {choices[-1]}"
    else:
        listed = choices[0]
    raise invalid_request(f"Invalid {param}: must be one of {listed}", param=param)


def as_str_list(value: Any, param: str) -> list[str]:
    return [as_str(item, f"{param}[{i}]") for i, item in enumerate(as_list(value, param))]


def is_absolute_http_url(value: Any) -> bool:
    """True for an absolute http(s) URL with a host, which is what Stripe takes for redirects."""
    if not isinstance(value, str) or not value or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)



def as_url(value: Any, param: str) -> str:
    if not is_absolute_http_url(value):
        raise url_invalid(param)
    return value

METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500


def merge_metadata(
    current: Mapping[str, str] | None, given: Any, param: str = "metadata"
) -> dict[str, str]:
    """Apply `metadata` as Stripe does: `""` for the whole map clears it, `""` for a key deletes it."""
    merged = dict(current or {})
    if given == "":
        return {}
    for key, value in as_dict(given, param).items():
        if not isinstance(value, str):
            raise invalid_request(
                f"Invalid value for {param}[{key}]: metadata values must be strings",
                param=f"{param}[{key}]",
            )
        if len(key) > METADATA_MAX_KEY_LENGTH:
            raise invalid_request(
                f"Metadata keys can have at most {METADATA_MAX_KEY_LENGTH} characters, "
                f"but the key `{key}` has {len(key)}.",
                param=f"{param}[{key}]",
            )
        if len(value) > METADATA_MAX_VALUE_LENGTH:
            raise invalid_request(
                f"Metadata values can have at most {METADATA_MAX_VALUE_LENGTH} characters, "
                f"but the value of `{key}` has {len(value)}.",
                param=f"{param}[{key}]",
            )
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    if len(merged) > METADATA_MAX_KEYS:
        raise invalid_request(
            f"Invalid {param}: metadata can have at most {METADATA_MAX_KEYS} keys.", param=param
        )
    return merged


def expand_paths(params: Mapping[str, Any]) -> list[str]:
    """The `expand[]` paths of a request (validated as a list of strings)."""
    if "expand" not in params:
        return []
    return as_str_list(params["expand"], "expand")
