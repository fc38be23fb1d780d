"""The Reflex front door: pages and components (layout only) and states (events that turn named
outcomes into page state, messages and redirects)."""
