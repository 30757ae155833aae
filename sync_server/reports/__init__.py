"""Printable documents the server renders: the monthly office report."""
