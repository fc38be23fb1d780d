"""The billing part of a SaaS: a Reflex app on Supabase and Stripe.

Layers, each importing only those below it:

    billing_app.py                     the app: pages + HTTP routes
    pages/, components/                layout only
    state/, api.py                     the two front doors: Reflex events, plain HTTP
    portal.py, checkout.py, webhooks.py   one function per user action
    account.py                         who is this, and what is their subscription (both at once)
    auth.py, subscriptions.py          Supabase Auth; the caller's own row under RLS
    admin.py, rate_limits.py           service-role writes (webhooks only); per-user limits
    clients.py                         the shared, pooled Supabase and Stripe clients
    settings.py, trusted_origins.py    validated configuration; the origins CORS accepts
"""
