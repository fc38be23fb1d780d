"""The billing part of a SaaS: a Reflex app on Supabase and Stripe.

Layers, each importing only those below it:

    billing_app.py                     the app: pages + HTTP routes
    pages/, components/                layout only
    state/, api.py                     the two front doors: Reflex events, plain HTTP
    portal.py, checkout.py, webhooks.py   one function per user action
    account.py                         who is this, and what is their subscription (both at once)
    sign_in_codes.py                   one-time codes from sign-in to the cookie route
    health.py                          readiness: can Supabase, Stripe (and Redis) answer?
    auth.py, subscriptions.py          Supabase Auth; the caller's own row under RLS
    admin.py, rate_limits.py           service-role writes (webhooks only); per-user limits
    clients.py                         the shared, pooled Supabase, Stripe and Redis clients
    request_log.py                     one JSON line per request; any layer may note into it
    settings.py, trusted_origins.py    validated configuration; the origins CORS accepts
"""
