"""Overlaps are checked in Python, then the booking inserted, with nothing to stop two requests at once."""
