"""Adapters: the database, the metadata web service."""
