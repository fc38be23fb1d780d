"""The plain-HTTP front door: one module per resource, each turning named outcomes into statuses
and JSON. `app.create_api()` assembles them for Reflex's `api_transformer`."""
