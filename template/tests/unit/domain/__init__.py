"""Domain rules: entities and their invariants."""
