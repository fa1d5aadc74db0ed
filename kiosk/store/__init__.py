"""The sync cache and shared sign-in state: SQLite (WAL) by default, PostgreSQL for many kiosks.

Import ``kiosk.store.database.open_store``; this package module stays empty so that
importing it loads no SQLAlchemy.
"""
