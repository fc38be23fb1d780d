"""The `/v1` resources, one module each as Stripe's API reference groups them: object shapes,
state changes and route tables."""
