"""The billing part of a SaaS: a Reflex app on Supabase and Stripe.

Six folders, each importing only from those below it (ui, api and doctor side by side on top):

    billing_app.py   the app: pages + HTTP routes
    doctor/          `make doctor`: the settings, the Supabase project and the Stripe account
                     checked before users find what is wrong (named findings -> ✔ / ✘ lines)
    ui/              pages/, components/ (layout only), states/ (Reflex events -> page state,
                     messages, redirects; payment details, invoices and plans: the sections
                     after the plan), display (plans, prices and dates in the user's locale),
                     backend_errors
    api/             one module per resource (portal, subscription, checkout, invoices, auth,
                     webhooks, health): named outcomes -> statuses and JSON, in
                     responses.ERRORS; csrf (the same-origin check for cookie callers);
                     client_address (the client's IP)
    billing/         subscription (row model, Stripe mapping, live/ended rules, reads), account,
                     portal (and its flows), resume, checkout, payment_details, invoices,
                     catalogue (the plans on offer, kept a few minutes), locales (the browser's
                     language; Stripe's locale for it), webhooks, admin (service-role writes:
                     past RLS)
    session/         actions (sign-in, one-time codes, cookies, renewal, sign-out, as named
                     results), supabase_auth, signing_keys (the JWKS), codes, cookies, next_path
    platform/        settings, clients (pooled Supabase/Stripe/Redis), outcomes, paths,
                     request_log, log_redaction, rate_limits, health, origins
"""
