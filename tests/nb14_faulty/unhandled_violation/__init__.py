"""The exclusion constraint refuses overlaps, but POST /bookings lets its IntegrityError through (500)."""
