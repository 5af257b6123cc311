"""GET /rooms sends one query per room for its next booking (an N+1)."""
