"""The shared platform: users, roles, sessions, audit log, settings and sign-in."""
