"""Structured logs: JSON lines in production, readable lines in development, with the request id."""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from api.request_id import current_request_id

_STANDARD_ATTRIBUTES = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
# `color_message` is uvicorn's copy of the message with ANSI colour codes, for its own console
# formatter only; the request id has its own place in both formats.
_DROPPED_EXTRAS = {"color_message", "request_id", "request_label"}


class RequestIdFilter(logging.Filter):
    """The request id of the request being handled, unless the call passed one itself (code that
    runs after the request's context has ended, such as Litestar's application-level handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id.get()
        return True


def structured_extras(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a call passed in `extra`, beyond the standard record attributes."""
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _STANDARD_ATTRIBUTES and key not in _DROPPED_EXTRAS and value is not None
    }


class AlembicBoilerplateFilter(logging.Filter):
    """Alembic announces its dialect and DDL mode on every run, even with nothing to do; only
    the migrations it actually runs are worth a line."""

    BOILERPLATE = ("Context impl ", "Will assume ")

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name == "alembic.runtime.migration"
            and record.getMessage().startswith(self.BOILERPLATE)
        )


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            entry["request_id"] = request_id
        entry.update(structured_extras(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    """`time LEVEL logger [request id or -] message key=value ...`, then any traceback."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s [%(request_label)s] %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.request_label = getattr(record, "request_id", None) or "-"
        line = super().formatMessage(record)
        extras = structured_extras(record)
        return " ".join([line, *(f"{key}={value}" for key, value in extras.items())])


def configure_logging(level: str, *, console: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.addFilter(AlembicBoilerplateFilter())
    handler.setFormatter(ConsoleFormatter() if console else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("pgserver", "apscheduler.executors.default", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
