"""A local, stateful stand-in for the part of Stripe's API this app uses.

The real stripe-python client talks to it over HTTP (`base_addresses={"api": ...}`) and can't
tell it from Stripe for what the app does: customers, products and prices, subscriptions,
Checkout in subscription mode, the customer portal (configurations and sessions), events and
signed webhooks, with Stripe's object shapes, error codes and idempotency. Its hosted pages say
plainly that they are local stand-ins.

Modules:
    app          create_app(config): wiring, request ids, latency/fault injection, lifespan
    api          the /v1 routes: auth, parameter checks, idempotency, lists, expand
    billing      customers, catalogue and subscriptions: every change, with Stripe's rules
    checkout     Checkout Sessions (subscription mode) and their completion
    portal       portal configurations, sessions, flows and links
    objects      builders of each Stripe object shape
    expand       the public view of objects, expand[] and includable fields
    params       bracket-notation form decoding and value checks
    errors       Stripe's error responses
    idempotency  the Idempotency-Key cache
    webhooks     events, signing, ordered delivery with retries
    pages        the local portal and checkout pages
    control      /__devstack/... routes for tests and devstack
    store        state in memory, snapshots on disk
    seed         the catalogue and portal settings a fresh stand-in starts with
    clock        time and calendar-month billing periods
    ids          Stripe-shaped ids
"""
