"""Applying pushes and serving pulls: the sync protocol's server side."""
