"""The staff console: server-rendered pages under /console (see routes.py)."""
