"""A skeleton: grey bars the shape of what is loading, named for screen readers."""

from __future__ import annotations

import reflex as rx

# Widths of the bars, as whole Tailwind classes (see __init__.py).
WIDTHS = ("w-40", "w-28", "w-56")


def skeleton(label: str, widths: tuple[str, ...] = WIDTHS) -> rx.Component:
    """`label` ("Loading your plan…") is read out (role="status"); the bars are hidden from
    assistive technology."""
    return rx.el.div(
        rx.el.span(label, class_name="sr-only"),
        *[rx.el.div(class_name=f"h-4 {width} animate-pulse rounded bg-gray-200",
                    aria_hidden="true") for width in widths],
        role="status",
        class_name="space-y-3",
    )
