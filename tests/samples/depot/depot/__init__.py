"""Parcels received at the depot until they are picked up."""
