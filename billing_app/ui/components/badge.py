"""A badge: a short label in one of a few tones."""

from __future__ import annotations

import reflex as rx

_BASE = "inline-flex items-center rounded-md px-2 py-0.5 text-xs font-medium ring-1 ring-inset "
TONES = {
    "green": _BASE + "bg-green-50 text-green-800 ring-green-600/20",
    "blue": _BASE + "bg-blue-50 text-blue-800 ring-blue-600/20",
    "orange": _BASE + "bg-orange-50 text-orange-800 ring-orange-600/20",
    "red": _BASE + "bg-red-50 text-red-800 ring-red-600/20",
    "gray": _BASE + "bg-gray-50 text-gray-700 ring-gray-500/20",
}


def badge(text: rx.Var[str] | str, tone: rx.Var[str] | str = "gray") -> rx.Component:
    """`tone` is one of TONES' names; anything else shows gray."""
    classes = (TONES.get(tone, TONES["gray"]) if isinstance(tone, str)
               else rx.match(tone, *TONES.items(), TONES["gray"]))
    return rx.el.span(text, class_name=classes)
