"""python-telegram-bot's HTTP transport on aiohttp, for every Bot API call of the process.

Why not PTB's default httpx client: at the paid-broadcast ceiling (``SEND_RATE=1000``) one
process spent about 61 % of its time in httpx/httpcore (the pool checks every connection's
state on each request) and topped out near 360 msg/s; the same process on aiohttp reached about
880 msg/s at 0.9 ms of CPU per message instead of 2.5 (``bench/sender.py --ceiling``).

The contract is ``telegram.request.BaseRequest.do_request``: return the status and the body;
raise ``TimedOut`` for a timeout and ``NetworkError`` for any other transport failure, so PTB
and our sender classify failures exactly as with the default client.
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

Timeout = float | None


class AiohttpRequest(BaseRequest):
    """One ``ClientSession`` with a sized keep-alive connector, timeouts as PTB passes them.

    ``connections`` bounds the sockets to the Bot API; a request that waits longer than
    ``pool_timeout`` for one fails with ``TimedOut`` without having been sent.
    """

    __slots__ = ("_connections", "_defaults", "_session")

    def __init__(
        self,
        *,
        connections: int = 256,
        read_timeout: Timeout = 5.0,
        write_timeout: Timeout = 5.0,
        connect_timeout: Timeout = 5.0,
        pool_timeout: Timeout = 1.0,
        media_write_timeout: Timeout = 20.0,
    ) -> None:
        self._connections = connections
        self._defaults = {
            "read": read_timeout,
            "write": write_timeout,
            "connect": connect_timeout,
            "pool": pool_timeout,
            "media_write": media_write_timeout,
        }
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> Timeout:
        """The default read timeout; PTB adds it to a long poll's own ``timeout``."""
        return self._defaults["read"]

    async def initialize(self) -> None:
        """Open the session; it must be made inside the running event loop."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections, keepalive_timeout=60)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        """Close the session and its sockets; safe to call twice."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; map transport failures to PTB's ``TimedOut`` / ``NetworkError``."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        write_default = self._defaults["media_write" if files else "write"]
        timeout = _client_timeout(
            read=self._pick(read_timeout, self._defaults["read"]),
            write=self._pick(write_timeout, write_default),
            connect=self._pick(connect_timeout, self._defaults["connect"]),
            pool=self._pick(pool_timeout, self._defaults["pool"]),
        )
        body: aiohttp.FormData | dict[str, str] | None = None
        if request_data is not None:
            body = _form(request_data) if files else request_data.json_parameters
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            # The class name says what failed when the message is empty; no URL is included,
            # since the Bot API URL holds the token.
            raise NetworkError(f"aiohttp.{type(exc).__name__}") from exc

    @staticmethod
    def _pick(given: ODVInput[float], default: Timeout) -> Timeout:
        """PTB passes a ``DefaultValue`` when the caller set no timeout of its own."""
        return default if isinstance(given, DefaultValue) else given


def _client_timeout(
    *, read: Timeout, write: Timeout, connect: Timeout, pool: Timeout
) -> aiohttp.ClientTimeout:
    """aiohttp's timeouts from PTB's four: the pool wait plus the connect, then read per socket.

    aiohttp has no write timeout of its own, so the write allowance goes into the total, which
    bounds a stalled upload as PTB's default client does.
    """
    parts = [t for t in (read, write, connect, pool) if t is not None]
    total = sum(parts) if len(parts) == 4 else None
    acquire = None if connect is None or pool is None else connect + pool
    return aiohttp.ClientTimeout(total=total, connect=acquire, sock_connect=connect, sock_read=read)


def _form(request_data: RequestData) -> aiohttp.FormData:
    """A multipart body: the plain parameters as fields, then each file with its name and type."""
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
