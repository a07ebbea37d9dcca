"""The SQLite backend: the only place with SQL."""
