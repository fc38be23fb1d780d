"""The Supabase stand-in: the part of Supabase Auth (GoTrue) and PostgREST this app uses.

`app.create_app(config)` serves both under one address, as Supabase's gateway does:
`/auth/v1/...` (see `auth.py`) and `/rest/v1/...` (see `rest.py`).
"""
