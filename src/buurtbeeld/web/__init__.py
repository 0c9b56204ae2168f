"""The Dutch web app and JSON API (FastAPI, server-rendered, NL Design System style)."""
