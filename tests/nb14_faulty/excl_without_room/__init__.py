"""The exclusion constraint compares the times only (room_id left out, as when btree_gist is missing)."""
