"""Class strings several building blocks share."""

# A visible focus ring for keyboard users, on every control.
FOCUS_RING = ("focus-visible:outline-2 focus-visible:outline-offset-2 "
              "focus-visible:outline-indigo-600")
# Secondary text: gray-600 keeps a contrast above 4.5:1 on white and on gray-50.
MUTED = "text-sm text-gray-600"
