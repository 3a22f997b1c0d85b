"""Counting what the app asks PostgreSQL, at the wire: a TCP proxy between a server under test
and the database that reads the frontend/backend protocol as it passes.

- round trips: ReadyForQuery messages the database sends. Each answers a Sync (which ends an
  extended-protocol exchange: a prepare, or a bind-execute of one or several statements) or a
  simple Query (BEGIN, COMMIT, ROLLBACK), and the client waits for it before it goes on; so it
  counts exactly the exchanges the app waits for, a pool's pre-ping and a statement's first
  prepare included. (A client that waits on Flush without Sync, as a server-side cursor does,
  would be undercounted; the app uses none.)
- statements: Execute and simple Query messages the app sends (a pipelined `executemany`
  counts each statement, in one round trip).
- prepares: Parse messages (a statement not yet in the connection's cache).

The proxy refuses TLS (it answers SSLRequest with `N`, as a server without TLS does) so that the
traffic can be read; the counts are the same with TLS. It runs in a thread with its own event
loop, beside the bench.
"""

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit, urlunsplit

HOST = "127.0.0.1"
_NEGOTIATION_CODES = {80877103, 80877104}  # SSLRequest, GSSENCRequest: refused with `N`
_CHUNK = 65536


@dataclass(frozen=True)
class WireCounts:
    round_trips: int
    statements: int
    prepares: int


class _Counter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._round_trips = self._statements = self._prepares = 0

    def add(self, *, round_trips: int = 0, statements: int = 0, prepares: int = 0) -> None:
        with self._lock:
            self._round_trips += round_trips
            self._statements += statements
            self._prepares += prepares

    def take(self) -> WireCounts:
        """The counts since the last take."""
        with self._lock:
            counts = WireCounts(self._round_trips, self._statements, self._prepares)
            self._round_trips = self._statements = self._prepares = 0
        return counts


class _Messages:
    """Splits a stream into typed protocol messages (a type byte, then a length that counts
    itself), keeping an incomplete tail for the next chunk."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[int]:
        self._buffer += data
        types, offset = [], 0
        while len(self._buffer) - offset >= 5:
            length = int.from_bytes(self._buffer[offset + 1 : offset + 5], "big")
            if len(self._buffer) - offset < 1 + length:
                break
            types.append(self._buffer[offset])
            offset += 1 + length
        del self._buffer[:offset]
        return types


class WireProxy:
    """Forwards every connection to `target` (host, port or a Unix socket path) and counts."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._counter = _Counter()
        self.port = 0

    def take(self) -> WireCounts:
        return self._counter.take()

    def start(self) -> None:
        """Listen on a free loopback port (`self.port`), in a thread of its own."""
        ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(ready),), daemon=True)
        self._thread.start()
        ready.wait()

    def stop(self) -> None:
        """Stop listening and cut the connections still open."""
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout=5)

    async def _serve(self, ready: threading.Event) -> None:
        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        server = await asyncio.start_server(self._connection, HOST, 0)
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        async with server:
            await self._stopping.wait()

    async def _connection(
        self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        server_w = None
        try:
            startup = await self._startup_packet(client_r, client_w)
            server_r, server_w = await self._open_target()
            server_w.write(startup)
            await asyncio.gather(
                self._pipe(client_r, server_w, self._count_frontend),
                self._pipe(server_r, client_w, self._count_backend),
            )
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            for writer in (client_w, server_w):
                if writer is not None:
                    writer.close()

    async def _open_target(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        host, port = self._target
        if host.startswith("/"):
            return await asyncio.open_unix_connection(f"{host}/.s.PGSQL.{port}")
        return await asyncio.open_connection(host, port)

    @staticmethod
    async def _startup_packet(
        client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> bytes:
        """The untyped startup (or cancel) packet, after refusing TLS and GSS encryption."""
        while True:
            header = await client_r.readexactly(8)
            length = int.from_bytes(header[:4], "big")
            if length == 8 and int.from_bytes(header[4:], "big") in _NEGOTIATION_CODES:
                client_w.write(b"N")
                await client_w.drain()
                continue
            return header + await client_r.readexactly(length - 8)

    @staticmethod
    async def _pipe(
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        count: Callable[[list[int]], None],
    ) -> None:
        messages = _Messages()
        while data := await reader.read(_CHUNK):
            count(messages.feed(data))
            writer.write(data)
            await writer.drain()
        writer.close()

    def _count_frontend(self, types: list[int]) -> None:
        self._counter.add(
            statements=sum(1 for t in types if t in (ord("E"), ord("Q"))),
            prepares=sum(1 for t in types if t == ord("P")),
        )

    def _count_backend(self, types: list[int]) -> None:
        self._counter.add(round_trips=sum(1 for t in types if t == ord("Z")))


def target_of(url: str) -> tuple[str, int]:
    """Where a database URL points: (host, port), or (socket folder, port) for `?host=/...`."""
    parts = urlsplit(url)
    socket_dir = parse_qs(parts.query).get("host", [None])[0]
    return socket_dir or parts.hostname or "localhost", parts.port or 5432


def through_proxy(url: str, port: int) -> str:
    """The same database URL (user, password, database), pointing at the proxy on `port`."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{HOST}:{port}" if credentials else f"{HOST}:{port}"
    return urlunsplit(parts._replace(netloc=netloc, query=""))


@contextlib.contextmanager
def wire_proxy(url: str) -> Iterator[tuple[WireProxy, str]]:
    """A running proxy to the database of `url`, and the URL that goes through it."""
    proxy = WireProxy(*target_of(url))
    proxy.start()
    try:
        yield proxy, through_proxy(url, proxy.port)
    finally:
        proxy.stop()
