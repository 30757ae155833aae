"""Who may read a blob, quotas, and collecting bytes nobody needs."""
