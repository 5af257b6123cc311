"""A B-tree on (start_at, room_id): the day first, so the day query reads every room's earlier entries."""
