"""Pantry: shelves and the jars on them."""
