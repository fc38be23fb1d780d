"""Local stand-ins for Supabase and Stripe, for `make run` without accounts and for the tests.

`python -m devstack up | down | seed | env` manages them (see `__main__.py`). The billing app never
imports this package: it talks to the stand-ins over HTTP, through the real client libraries,
exactly as it talks to the real services. README.md says what each stand-in models and cites
the source of each behaviour.
"""
