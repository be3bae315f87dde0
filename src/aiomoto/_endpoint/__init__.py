"""The endpoint."""
