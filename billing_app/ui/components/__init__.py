"""Reusable pieces of layout. No logic: they only bind to state vars and events."""
