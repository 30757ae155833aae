"""Backups of a district that restore (docs/backup.md)."""
