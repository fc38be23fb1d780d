"""Billing: the subscription (row model, Stripe mapping, rules), the user actions (portal,
checkout), Stripe's webhooks, and the service-role writes (`admin`)."""
