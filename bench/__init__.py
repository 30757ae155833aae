"""Benchmarks that run the real server over real sockets and print a table."""
