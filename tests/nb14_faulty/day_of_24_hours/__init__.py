"""The day's end is its start (a local midnight) plus 24 hours: one hour too long on 2026-03-29 in Berlin."""
