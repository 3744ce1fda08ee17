"""A tiny stock-keeping backend with its own layout and names."""
