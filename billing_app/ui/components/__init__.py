"""The building blocks every page is made of: plain HTML elements (`rx.el.*`) styled with
Tailwind classes (Reflex's Tailwind v4 plugin, rxconfig.py). No logic: they only bind to state
vars and events.

    buttons.py    action_button: a button that shows a spinner and is disabled while its
                  event runs (pass the state var that says so, and `disabled` to make it wait
                  for another's); submit_button for forms
    card.py       card: a white panel, a named region of the page
    messages.py   alert (role="alert", for errors) and status (role="status", for progress);
                  banner: a notice across the page with its buttons (either role);
                  connection_alert: the websocket's trouble, in words; unavailable_slot:
                  where a Redis outage's message goes
    skeleton.py   skeleton: grey bars where content will be, "Loading ..." for screen readers
    badge.py      badge: a short label in one of a few tones (a subscription's status)
    fields.py     text_field: a labelled input
    layout.py     signed_in_page and centered_page: the landmarks (<header>, <main>) every page
                  sits in
    post_form.py  a form the browser POSTs itself (sign-out)
    plan_card.py  the billing page's plan and its buttons (Manage Subscription, Change plan,
                  Cancel plan)
    banners.py    the billing page's banners (a failed payment, a trial, a scheduled end)
    payment_details.py  the billing page's Payment section (the card, the next payment)
    plan_picker.py  the plans on offer, a Monthly / Yearly switch, "Subscribe to <product>"
    invoices_card.py  the last invoices, each with a "View invoice" link (a new tab)
    languages.py  the <head> script that tells the backend the browser's languages (a cookie)

Reflex's Radix Themes components (`rx.button`, `rx.card`, `rx.hstack`, `rx.text`, ...) stay out:
one of them brings back Radix's whole stylesheet (700 KB) on every page
(tests/unit/ui/test_components.py fails if one appears). A Tailwind class must be written out in
full in the Python source (the build finds classes by reading the compiled pages), so tones are
chosen with `rx.match` over whole class strings, never built from pieces.
"""
