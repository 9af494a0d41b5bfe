"""Benchmark of the outbox sender: sustained rate, 429s and the busiest second, as Telegram sees it.

A real ``newsbot deliver`` process drains N queued messages (one per private chat, so only the
bot-wide ceiling binds) into the test Bot API server running in this process, which records
when it accepted each call and refuses (429) anything over its own limit.

    .venv/bin/python bench/sender.py                    # 5,000 at SEND_RATE=25, server limit 30
    .venv/bin/python bench/sender.py --messages 500     # a quicker look
    .venv/bin/python bench/sender.py --ceiling          # also: the highest rate, limit off,
                                                        # and raw sends: aiohttp vs PTB's httpx
    .venv/bin/python bench/sender.py --database-url postgresql+asyncpg://postgres@127.0.0.1/x
    .venv/bin/python bench/sender.py --paid 5000         # also: PAID_BROADCASTS=true, 5,000
                                                        # broadcasts beside the digests
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.request import BaseRequest, HTTPXRequest  # noqa: E402

from bot.request import AiohttpRequest  # noqa: E402
from digests import migrate  # noqa: E402
from digests.db import Database  # noqa: E402
from digests.models import Base  # noqa: E402
from digests.store import outbox  # noqa: E402
from digests.store.outbox import Lane, OutboxDraft  # noqa: E402
from digests.timeutil import utcnow  # noqa: E402
from tests.support.botapi import BotApiServer  # noqa: E402


async def _reset(url: str, messages: int, broadcasts: int = 0) -> None:
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database(url)
    try:
        async with db.transaction() as session:
            for table in reversed(Base.metadata.sorted_tables):
                await session.execute(text(f"DELETE FROM {table.name}"))
            drafts = [
                OutboxDraft(f"bench-{i}", 1_000_000 + i, Lane.DIGEST, f"<b>Digest</b> {i}")
                for i in range(messages)
            ]
            drafts += [
                OutboxDraft(f"paid-{i}", 3_000_000 + i, Lane.BROADCAST, f"<b>Breaking</b> {i}")
                for i in range(broadcasts)
            ]
            await outbox.enqueue(session, drafts, utcnow())
    finally:
        await db.close()


async def run(
    url: str, messages: int, rate: float, server_limit: float | None, paid: int = 0
) -> dict[str, float]:
    """Queue ``messages`` (and ``paid`` broadcasts sent as paid broadcasts), drain them with
    one sender process; the figures as the server saw them."""
    await _reset(url, messages, paid)
    async with BotApiServer() as server:
        server.rate_limit(server_limit, paid_per_second=1000 if paid else None)
        env = {
            **os.environ,
            "BOT_TOKEN": server.token,
            "BOT_API_URL": server.base_url,
            "DATABASE_URL": url,
            "SEND_RATE": str(rate),
            "LOG_LEVEL": "WARNING",
            "PAID_BROADCASTS": "true" if paid else "false",
        }
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "deliver", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await process.communicate()
        elapsed = time.monotonic() - started
        if process.returncode != 0:
            raise SystemExit(f"sender failed: {out.decode()}")
        calls = server.calls_of("sendMessage")
        accepted = sorted(c.at for c in calls if c.ok)
        span = accepted[-1] - accepted[0] if len(accepted) > 1 else float("nan")
        paid_at = sorted(c.at for c in calls if c.ok and c.params.get("allow_paid_broadcast"))
        free_at = sorted(c.at for c in calls if c.ok and not c.params.get("allow_paid_broadcast"))
        paid_span = paid_at[-1] - paid_at[0] if len(paid_at) > 1 else float("nan")
        return {
            "paid": len(paid_at),
            "paid_sustained": (len(paid_at) - 1) / paid_span if paid_at else 0.0,
            "free_max_window": _busiest(free_at),
            "messages": len(accepted),
            "sustained": (len(accepted) - 1) / span,
            "span": span,
            "elapsed": elapsed,
            "refused_429": sum(1 for c in calls if c.status == 429),
            "max_window": server.accepted_per_second_windows(),
            "unique_chats": len({c.chat_id for c in calls if c.ok}),
        }


async def raw_sends(messages: int, in_flight: int) -> dict[str, float]:
    """``send_message`` with ``in_flight`` at once through each transport, same server, same run."""
    rates: dict[str, float] = {}
    async with BotApiServer() as server:
        makers: dict[str, type[BaseRequest]] = {"aiohttp": AiohttpRequest, "httpx": HTTPXRequest}
        for name, maker in makers.items():
            request = (
                AiohttpRequest(connections=in_flight * 2)
                if maker is AiohttpRequest
                else HTTPXRequest(connection_pool_size=in_flight * 2)
            )
            async with Bot(server.token, base_url=server.api_url, request=request) as bot:
                gate = asyncio.Semaphore(in_flight)

                async def one(i: int, bot: Bot = bot, gate: asyncio.Semaphore = gate) -> None:
                    async with gate:
                        await bot.send_message(2_000_000 + i, f"raw {i}")

                started = time.perf_counter()
                await asyncio.gather(*(one(i) for i in range(messages)))
                rates[name] = messages / (time.perf_counter() - started)
    return rates


def _busiest(times: list[float]) -> int:
    best = start = 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def _show_paid(rate: float, f: dict[str, float]) -> None:
    print(f"\nPAID_BROADCASTS=true, SEND_RATE={rate:g}, server: free {rate:g}/s + paid 1000/s")
    print(f"  delivered            {f['messages']:.0f} ({f['paid']:.0f} paid broadcasts)")
    print(f"  paid broadcasts      {f['paid_sustained']:.0f} msg/s sustained")
    print(f"  free busiest 1 s     {f['free_max_window']:.0f} (ceiling {rate:g})")
    print(f"  429 answers          {f['refused_429']:.0f}")


def _show(title: str, rate: float, f: dict[str, float]) -> None:
    print(f"\n{title}")
    print(f"  delivered            {f['messages']:.0f} to {f['unique_chats']:.0f} chats")
    share = f["sustained"] / rate
    print(f"  sustained rate       {f['sustained']:.2f} msg/s = {share:.1%} of {rate:g}")
    print(f"  first to last send   {f['span']:.1f} s (process start to exit {f['elapsed']:.1f} s)")
    print(f"  429 answers          {f['refused_429']:.0f}")
    print(f"  busiest 1 s window   {f['max_window']:.0f} (ceiling {rate:g})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=25.0, help="SEND_RATE (default 25)")
    parser.add_argument("--server-limit", type=float, default=30.0)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--ceiling", action="store_true", help="also run at SEND_RATE=1000")
    parser.add_argument("--ceiling-messages", type=int, default=20000)
    parser.add_argument("--paid", type=int, default=0, help="also: N paid broadcasts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        print(f"database: {url.split('@')[-1]}")
        figures = asyncio.run(run(url, args.messages, args.rate, args.server_limit))
        _show(
            f"SEND_RATE={args.rate:g}, server limit {args.server_limit:g}/s, "
            f"{args.messages} messages",
            args.rate,
            figures,
        )
        if args.paid:
            mixed = asyncio.run(run(url, args.messages, args.rate, args.rate, args.paid))
            _show_paid(args.rate, mixed)
        if args.ceiling:
            top = asyncio.run(run(url, args.ceiling_messages, 1000.0, None))
            _show(f"SEND_RATE=1000, server limit off, {args.ceiling_messages} messages", 1000, top)
            raw = asyncio.run(raw_sends(args.ceiling_messages // 4, 32))
            print(f"\nraw send_message, 32 in flight, {args.ceiling_messages // 4} each")
            for name, rate in raw.items():
                print(f"  {name:<8} {rate:8.0f} msg/s")
            print(f"  aiohttp / httpx      {raw['aiohttp'] / raw['httpx']:.2f}x")


if __name__ == "__main__":
    main()
