"""`make doctor`: checks the settings, the Supabase project and the Stripe account the app is set
up with, before the first user finds what is wrong. `python -m billing_app.doctor` runs it.

    __main__          the command: settings first, then every check at once, then the report
    checks            a check, what it found (✔ / ✘ / ! / –), running them concurrently
    configuration     the settings load, each key in its own variable; where each value comes from
    supabase_project  URL, keys, JWKS, tables with RLS and their policies, the webhook's function
    stripe_account    key and mode, portal configuration, offered prices, webhook endpoint,
                      and (--create-test-session, test mode only) one portal session
    addresses         SITE_URL and REFLEX_API_URL: absolute, one site, Secure cookies over https
    report            the lines printed, with every secret hidden

It only reads, but for --create-test-session's throwaway customer and its portal session.
"""
