"""Reflex states: the event handlers behind the pages. Each handler calls one action and only
translates its named outcome into state, a message or a redirect."""
