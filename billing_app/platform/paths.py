"""Every path the app answers, named once. Pages, states, API routes and tests use these."""

HOME = "/"
LOGIN = "/login"
DASHBOARD = "/dashboard"
DASHBOARD_SETTINGS = "/dashboard/settings"
BILLING = "/dashboard/settings/billing"
# Every page the app builds.
PAGES = (HOME, LOGIN, DASHBOARD, DASHBOARD_SETTINGS, BILLING)

API_CUSTOMER_PORTAL = "/api/customer_portal"
API_CHECKOUT_SESSIONS = "/api/checkout_sessions"
API_INVOICES = "/api/invoices"
API_SUBSCRIPTION_RESUME = "/api/subscription/resume"
API_AUTH_CALLBACK = "/api/auth/callback"
API_AUTH_REFRESH = "/api/auth/refresh"
API_AUTH_SIGN_OUT = "/api/auth/sign_out"
API_STRIPE_WEBHOOK = "/api/webhooks/stripe"
API_HEALTH = "/api/health"
API_READY = "/api/ready"
