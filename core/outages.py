"""Telling "the database is unavailable" apart from every other database error.

A frozen or unreachable PostgreSQL shows up as a client-side timeout (asyncpg's `timeout` on
connect, `command_timeout` on a statement), a socket error, or a connection-class SQLSTATE.
`api.database_outage` turns each into `DatabaseUnavailable` (a 503 with `Retry-After`, see
`api.problems`) on the SQLAlchemy path, `core.driver_reads` on the driver's.
"""

# 08: connection exception; 53300: too many connections (the server is full); 57P01-57P03:
# the server is shutting down, crashed or starting up.
_OUTAGE_SQLSTATES = ("08", "53300", "57P01", "57P02", "57P03")


class DatabaseUnavailable(Exception):
    """The database did not answer in time, or could not be reached at all."""


def is_outage(exc: BaseException) -> bool:
    if isinstance(exc, TimeoutError | OSError):  # asyncio's TimeoutError is the builtin one
        return True
    sqlstate = str(getattr(exc, "sqlstate", None) or "")
    return sqlstate.startswith(_OUTAGE_SQLSTATES)
