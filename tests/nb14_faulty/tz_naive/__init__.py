"""start_at and end_at are timestamp without time zone."""
