"""Adapters with their I/O replaced: mocked HTTP transport, parsed configuration."""
