"""Repositories against the test database."""
