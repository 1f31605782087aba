"""Alembic migrations of the console's own tables (see database.migrate)."""
