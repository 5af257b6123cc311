"""downgrade() drops the booking table, and room's UNIQUE on name with it, which revision 0001 made."""
