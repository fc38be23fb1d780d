"""A local, stateful stand-in for the part of Stripe's API this app uses, which stripe-python
can't tell from Stripe; its hosted pages say plainly that they are stand-ins.

    app               create_app(config): wiring, request ids, faults, the tick, lifespan
    api               the /v1 pipeline (auth, parameters, idempotency, errors, expand) and router
    routes            a route's table entry, the call its handler gets, list pages
    account           the store, webhook delivery and public address every resource works on
    resources/        one module per resource group: its object shape, changes and route table
      customers       customers
      catalogue       products and prices
      subscriptions   subscriptions, and time passing for them
      checkout        Checkout Sessions (subscription mode)
      portal          portal configurations, sessions and their links
      events          events; every change is published as one
    webhook_delivery  signed webhooks, in order, with retries
    pages/            the local portal and Checkout pages (layout, portal, checkout)
    control           /__devstack/... routes for tests and devstack
    store             state in memory, snapshots on disk
    seed              the catalogue and portal settings a fresh stand-in holds
    params            form decoding, documented and supported parameters, value checks
    expand            the public view of objects and expand[]
    errors            Stripe's error responses
    idempotency       the Idempotency-Key cache
    request_log       every /v1 request, for tests that count attempts
    clock             time and calendar-month billing periods
    ids               Stripe-shaped ids

A new resource is one module in resources/ with its ROUTES, and one line in api.RESOURCES.
"""
