"""Form fields: an input with its label."""

from __future__ import annotations

import reflex as rx

from billing_app.ui.components.styles import FOCUS_RING


def text_field(label: str, *, name: str, type: str = "text", auto_complete: str = "",
               required: bool = False) -> rx.Component:
    """A labelled input; its id is `name`."""
    return rx.el.div(
        rx.el.label(label, html_for=name, class_name="block text-sm font-medium text-gray-900"),
        rx.el.input(
            id=name, name=name, type=type, auto_complete=auto_complete, required=required,
            class_name="mt-1 block w-full rounded-md bg-white px-3 py-2 text-sm text-gray-900 "
                       "ring-1 ring-inset ring-gray-300 " + FOCUS_RING,
        ),
    )
