"""Integration tier: the real database (through db_session) and real HTTP; each test under 1 s."""
