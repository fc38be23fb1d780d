"""The signed-in session: Supabase Auth calls, one-time sign-in codes, the session cookies, safe
`next` paths, and `actions`, which the routes and page states call and only translate."""
