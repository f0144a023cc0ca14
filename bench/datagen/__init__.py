"""Pieces of the bulk data generator (bench/generate.py): vocabulary, the cast of organizations
and people, per-ticket plans, row builders and the PostgreSQL / SQLite loaders."""
