"""A local, stateful stand-in for the part of Stripe's API this app uses, which stripe-python
can't tell from Stripe; its hosted pages say plainly that they are stand-ins.

    app               create_app(config): wiring, request ids, faults, the tick, lifespan
    api               the /v1 pipeline (auth, parameters, idempotency, errors, expand) and router
    routes            a route's table entry, the call its handler gets, list pages
    account           the store, webhook delivery and public address every resource works on
    resources/        one module per resource group: its object shape, changes and route table
      customers       customers and their default payment method
      payment_methods Stripe's test cards, attached to customers
      catalogue       products and prices (recurring and one-time)
      subscriptions   subscriptions: created with their first invoice, changed, canceled
      plan_changes    price switches, billing-cycle resets and their prorations
      cycles          time passing: renewals, trials, drafts charged, cancellations
      invoices        invoices: object, lines, draft/open/paid/void/uncollectible
      collection      charging invoices, and what a payment does to the subscription
      invoice_preview the next invoice, computed (`create_preview`)
      checkout        Checkout Sessions (subscription mode)
      portal          portal configurations, sessions and their links
      portal_flows    portal deep links (`flow_data`) and saving a card in the portal
      events          events; every change is published as one
      webhook_endpoints  the delivery target, shown as a webhook endpoint
    webhook_delivery  signed webhooks, in order, with retries
    pages/            the local portal (home and flows), Checkout and hosted invoice pages
    control           /__devstack/... routes for tests and devstack
    store             state in memory, snapshots on disk
    seed              the catalogue and portal settings a fresh stand-in holds
    params            form decoding, documented and supported parameters, value checks
    expand            the public view of objects and expand[]
    errors            Stripe's error responses
    idempotency       the Idempotency-Key cache
    request_log       every /v1 request, for tests that count attempts
    clock             time and calendar-month billing periods (the offset is in the state)
    display           amounts, prices, cards and dates for people
    ids               Stripe-shaped ids

A new resource is one module in resources/ with its ROUTES, and one line in api.RESOURCES.
README.md says what the stand-in models, where each rule comes from, and its control routes.
"""
