"""Where a section the billing page loads after the plan stands (the payment details, the
invoices, the plan picker): nothing asked yet, loading (a skeleton), shown, or failed (a quiet
line; the rest of the page works)."""

HIDDEN, LOADING, SHOWN, FAILED = "", "loading", "shown", "failed"
