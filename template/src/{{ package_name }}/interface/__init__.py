"""Ways in: the command-line interface."""
