"""Helpers of `make bench` (tests/bench.py): baseline apps, servers, wrk and the database."""
