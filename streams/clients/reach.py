"""Whether the broker and the database answer, asked up front so a command that cannot
reach one says so in one line, naming the address and the variable that sets it."""

import asyncio
from urllib.parse import urlsplit

import asyncpg


class Unreachable(RuntimeError):
    """A service that does not answer; the message names it and its address."""


def _host_ports(bootstrap: str) -> list[tuple[str, int]]:
    found = []
    for part in bootstrap.split(","):
        host, sep, port = part.strip().rpartition(":")
        if not sep or not host or not port.isdigit():
            raise Unreachable(f"CLAIMTRACK_KAFKA_BOOTSTRAP takes host:port[,host:port...], not {bootstrap!r}")
        found.append((host.strip("[]"), int(port)))
    return found


async def broker_answers(bootstrap: str, timeout: float = 3.0) -> bool:
    """Whether any bootstrap server accepts a connection."""
    for host, port in _host_ports(bootstrap):
        try:
            async with asyncio.timeout(timeout):  # not wait_for: it can swallow a cancellation
                _, writer = await asyncio.open_connection(host, port)
        except (OSError, TimeoutError):
            continue
        writer.close()
        return True
    return False


async def require_broker(bootstrap: str) -> None:
    if not await broker_answers(bootstrap):
        raise Unreachable(f"cannot reach the Kafka broker at {bootstrap} (CLAIMTRACK_KAFKA_BOOTSTRAP, "
                          "or `claimtrack up` for the local stack)")


def _where(url: str) -> str:
    try:
        parts = urlsplit(url)
        return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or ''}"
    except ValueError:
        return "an unreadable URL"


async def require_database(url: str, timeout: float = 10.0) -> None:
    where = _where(url)
    try:
        conn = await asyncpg.connect(url, timeout=timeout)
    except TimeoutError:
        raise Unreachable(f"cannot reach PostgreSQL at {where} (CLAIMTRACK_DATABASE_URL): timed out") from None
    except OSError as exc:
        raise Unreachable(f"cannot reach PostgreSQL at {where} (CLAIMTRACK_DATABASE_URL): "
                          f"{exc.strerror or type(exc).__name__}") from None
    except (asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
        raise Unreachable(f"PostgreSQL at {where} (CLAIMTRACK_DATABASE_URL) refused the connection: "
                          f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    await conn.close()
