"""The shared platform: users, roles, sessions, audit log and settings (issue 12).

State that is not the cube lives here, in a relational database: an embedded SQLite file
``<werkmap>/platform.sqlite`` by default, PostgreSQL when ``BUURTBEELD_DATABASE_URL`` is set.
Imported only by ``web`` and ``cli``; it never reads the cube (``store``) and never sees
record-level data (``source``).
"""
