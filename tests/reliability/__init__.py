"""Reliability: faults, concurrency, crashes and clocks against the real server."""
