"""The supervisor workspace's calls to the district server (online only)."""
