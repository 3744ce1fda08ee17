"""Connectors against a real HTTP server on 127.0.0.1."""
