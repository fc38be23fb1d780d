"""The hosted pages: local stand-ins for Stripe's customer portal and Checkout, in plain HTML."""
