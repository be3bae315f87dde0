"""Compatibility with the libraries beneath aiomoto."""
