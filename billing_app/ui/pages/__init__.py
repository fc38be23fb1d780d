"""Pages: layout and bindings only. Logic lives in `ui/states/` and the layers below."""
