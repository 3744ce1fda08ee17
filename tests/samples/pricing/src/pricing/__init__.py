"""Price lists in several currencies."""
