"""A context's lifecycle."""
