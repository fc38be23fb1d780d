"""Pages: layout and bindings only. Logic lives in `state/` and the action modules."""
