"""Buttons: one that shows its event is running (a spinner, disabled, aria-busy), for forms too."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventType

from billing_app.ui.components.styles import FOCUS_RING

_BASE = ("inline-flex items-center justify-center gap-2 rounded-md px-4 py-2 text-sm "
         "font-medium shadow-xs disabled:cursor-not-allowed disabled:opacity-60 " + FOCUS_RING)
TONES = {
    "primary": _BASE + " bg-indigo-600 text-white hover:bg-indigo-500",
    "secondary": _BASE + " bg-white text-gray-900 ring-1 ring-inset ring-gray-300 "
                         "hover:bg-gray-50",
}


def spinner() -> rx.Component:
    return rx.el.span(
        class_name="inline-block size-4 animate-spin rounded-full border-2 border-current "
                   "border-r-transparent",
        aria_hidden="true",
    )


def action_button(label: str | rx.Var[str], *, busy: rx.Var[bool] | bool = False,
                  on_click: EventType[()] | None = None, tone: str = "primary",
                  type: str = "button", disabled: rx.Var[bool] | bool | None = None
                  ) -> rx.Component:
    """While `busy` is true the button shows a spinner, is disabled (a second click does
    nothing) and says aria-busy; its name stays `label`. `disabled` (busy unless given) lets
    several buttons wait while one of them is busy."""
    return rx.el.button(
        rx.cond(busy, spinner()),
        label,
        type=type,
        on_click=on_click,
        disabled=busy if disabled is None else disabled,
        aria_busy=busy,
        class_name=TONES[tone],
    )


def submit_button(label: str, *, busy: rx.Var[bool] | bool = False,
                  tone: str = "primary") -> rx.Component:
    """The button that submits its form (the form's on_submit runs)."""
    return action_button(label, busy=busy, tone=tone, type="submit")
