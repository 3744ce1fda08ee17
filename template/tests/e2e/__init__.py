"""End-to-end tier: complete user workflows through the command line."""
