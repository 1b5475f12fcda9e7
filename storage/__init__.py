"""Persistence: peewee models, queries, database setup and schema migrations."""
