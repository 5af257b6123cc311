"""A B-tree on end_at alone: the day query fetches every later booking of every room and filters."""
