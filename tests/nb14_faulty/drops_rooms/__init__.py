"""downgrade() drops the room table too (revision 0001's, not its own)."""
