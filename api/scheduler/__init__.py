"""Periodic jobs: declared in code by the domains, fired by APScheduler, claimed in PostgreSQL."""
