"""Plumbing every other layer stands on: settings, pooled clients, paths, outcomes, the request
log, rate limits and health checks. Imports nothing else from billing_app."""
