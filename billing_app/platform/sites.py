"""Which site a host belongs to, as browsers decide it: its registrable domain under the Public
Suffix List (the `publicsuffixlist` package ships the list; no rule of thumb such as "the last
two labels" knows that co.uk or herokuapp.com are suffixes anyone can register under)."""

from __future__ import annotations

import functools
import ipaddress

from publicsuffixlist import PublicSuffixList


@functools.cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()


def registrable_domain(host: str) -> str | None:
    """example.com for app.example.com; None for an IP address or a name that is itself a
    public suffix (localhost, co.uk, herokuapp.com)."""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        return _suffixes().privatesuffix(host.lower())
