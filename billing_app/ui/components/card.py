"""A card: a white panel holding one part of a page, named for screen readers."""

from __future__ import annotations

import reflex as rx


def card(*children: rx.Component, label: str, class_name: str = "") -> rx.Component:
    """A region named `label` (a <section>, so assistive technology lists it)."""
    return rx.el.section(
        *children,
        aria_label=label,
        class_name="rounded-lg bg-white p-6 shadow-sm ring-1 ring-gray-200 " + class_name,
    )
