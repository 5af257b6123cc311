"""Check-then-insert behind a threading.Lock: one process at a time, nothing in PostgreSQL."""
