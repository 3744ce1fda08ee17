"""Connectors to external services."""

from .metadata_api import HttpMetadataConnector, MetadataServiceError, open_metadata_connector

__all__ = ["HttpMetadataConnector", "MetadataServiceError", "open_metadata_connector"]
