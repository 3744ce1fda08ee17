"""Use cases wired to the real unit of work."""
