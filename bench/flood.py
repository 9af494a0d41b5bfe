"""Benchmark of fairness under abuse: normal users' reply latency while chats flood the bot.

A real ``newsbot run`` process (long polling, the outbox sender pacing every reply at
SEND_RATE overall and one message a second per chat) talks to the test Bot API server running
in this process. At one moment, ``--flooders`` chats each send ``--flood`` distinct ``/latest``
commands and ``--users`` other chats send one ``/latest`` each, queued behind the flood. The
server's record of when it accepted each reply gives the normal users' latency; the bot
process's resident memory is sampled every 20 ms from /proc.

    .venv/bin/python bench/flood.py                 # the control (no flood) and the flood
    .venv/bin/python bench/flood.py --baseline      # also python-telegram-bot's plain processor
    .venv/bin/python bench/flood.py --send-rate 100 # without Telegram's 25/s binding
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digests import migrate  # noqa: E402
from tests.support.botapi import BotApiServer  # noqa: E402

FLOODER_BASE, USER_BASE, WARMUP = 10_000, 20_000, 99_999
SLOW_DOWN = "Slow down"
# Runs the bot with python-telegram-bot's own processor: the behaviour before bot.fairness.
_BASELINE = (
    "import sys, bot.fairness as f; from telegram.ext import SimpleUpdateProcessor; "
    "f.processor = lambda services: SimpleUpdateProcessor(256); "
    "from bot.cli import main; sys.argv = ['newsbot', 'run']; main()"
)


@dataclass
class Figures:
    name: str
    answered: int
    p50: float
    p99: float
    worst: float
    flood_replies: int
    flood_notices: int
    most_to_one_flooder: int
    fetched: float  # seconds until the bot had fetched every normal user's update
    bot_cpu: float  # CPU seconds the bot process used from the flood to the end
    server_cpu: float  # CPU seconds this process (the test Bot API server) used meanwhile
    rss_idle_mb: float
    rss_peak_mb: float
    errors: int = 0  # errors the bot logged


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _fetched(server: BotApiServer, asked: dict[int, float]) -> float:
    """When the getUpdates call that fetched the last of the asked chats' updates arrived,
    from when they were asked (0 when a long poll already waiting fetched them)."""
    last = 0.0
    for call in server.calls_of("getUpdates"):
        for update in call.result if call.ok and isinstance(call.result, list) else []:
            if update.get("message", {}).get("chat", {}).get("id") in asked:
                last = max(last, call.at)
    return max(0.0, last - min(asked.values())) if asked and last else float("nan")


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def _sample(pid: int, peak: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], _rss_mb(pid))
        await asyncio.sleep(0.02)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(
    name: str, *, flooders: int, flood: int, users: int, send_rate: float, baseline: bool
) -> Figures:
    """One run against a fresh database; the figures as the server saw them."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/flood.db"
        await asyncio.to_thread(migrate.upgrade, url)
        async with BotApiServer() as server:
            env = {
                **os.environ,
                "BOT_TOKEN": server.token,
                "BOT_API_URL": server.base_url,
                "DATABASE_URL": url,
                "SEND_RATE": str(send_rate),
                "LOG_LEVEL": "ERROR",
            }
            argv = ["-c", _BASELINE] if baseline else ["-m", "bot", "run"]
            log = Path(tmp) / "bot.log"
            with log.open("wb") as stderr:
                bot = await asyncio.create_subprocess_exec(
                    sys.executable,
                    *argv,
                    env=env,
                    cwd=ROOT,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=stderr,
                )
                try:
                    figures = await _drive(server, bot.pid, name, flooders, flood, users)
                finally:
                    bot.send_signal(signal.SIGTERM)
                    try:
                        await asyncio.wait_for(bot.wait(), 30)
                    except TimeoutError:
                        bot.kill()
                        await bot.wait()
            text = log.read_text(encoding="utf-8", errors="replace")
            figures.errors = sum(" ERROR " in line for line in text.splitlines())
            return figures


async def _drive(
    server: BotApiServer, pid: int, name: str, flooders: int, flood: int, users: int
) -> Figures:
    mark = server.mark()
    server.inject_message(WARMUP, "/latest")
    await server.wait_for_call("sendMessage", chat_id=WARMUP, since=mark, timeout=120)
    await asyncio.sleep(1.0)
    idle = _rss_mb(pid)
    peak, stop = [idle], asyncio.Event()
    sampler = asyncio.create_task(_sample(pid, peak, stop))
    cpu, server_cpu = _cpu_seconds(pid), time.process_time()

    for n in range(flood):
        for f in range(flooders):
            server.inject_message(FLOODER_BASE + f, f"/latest t{n}")
    asked: dict[int, float] = {}
    for u in range(users):
        asked[USER_BASE + u] = time.monotonic()
        server.inject_message(USER_BASE + u, "/latest")

    latencies: dict[int, float] = {}
    deadline, read = time.monotonic() + 120, 0
    while len(latencies) < users and time.monotonic() < deadline:
        # Only the calls since the last look: the bench must not eat the server's CPU.
        for call in server.calls[read:]:
            chat_id = call.params.get("chat_id")
            if call.method == "sendMessage" and chat_id in asked and chat_id not in latencies:
                latencies[chat_id] = call.at - asked[chat_id]
        read = len(server.calls)
        await asyncio.sleep(0.05)
    # Let the flood play out: no new message for 3 s and every update fetched.
    quiet_since, seen = time.monotonic(), len(server.calls)
    while time.monotonic() - quiet_since < 3 and time.monotonic() < deadline + 60:
        await asyncio.sleep(0.2)
        if len(server.calls_of("sendMessage")) != seen or server.pending_updates:
            seen, quiet_since = len(server.calls_of("sendMessage")), time.monotonic()
    stop.set()
    await sampler

    flooded = [
        [str(c.params["text"]) for c in server.calls_of("sendMessage", chat_id=FLOODER_BASE + f)]
        for f in range(flooders)
    ]
    waits = list(latencies.values()) or [float("inf")]
    return Figures(
        name=name,
        answered=len(latencies),
        p50=statistics.median(waits),
        p99=_percentile(waits, 0.99),
        worst=max(waits),
        flood_replies=sum(len(texts) for texts in flooded),
        flood_notices=sum(SLOW_DOWN in t for texts in flooded for t in texts),
        most_to_one_flooder=max((len(texts) for texts in flooded), default=0),
        fetched=_fetched(server, asked),
        bot_cpu=_cpu_seconds(pid) - cpu,
        server_cpu=time.process_time() - server_cpu,
        rss_idle_mb=idle,
        rss_peak_mb=peak[0],
    )


def _print(rows: list[Figures], users: int) -> None:
    print(
        f"{'run':<34} {'answered':>9} {'p50 s':>7} {'p99 s':>7} {'worst s':>8} "
        f"{'fetched s':>9} {'to flooders':>12} {'notices':>8} {'max/flooder':>12} "
        f"{'bot CPU s':>9} {'server CPU s':>12} {'RSS idle':>9} {'RSS peak':>9} {'errors':>6}"
    )
    for r in rows:
        print(
            f"{r.name:<34} {r.answered:>5}/{users:<3} {r.p50:>7.2f} {r.p99:>7.2f} {r.worst:>8.2f} "
            f"{r.fetched:>9.2f} {r.flood_replies:>12} {r.flood_notices:>8} "
            f"{r.most_to_one_flooder:>12} {r.bot_cpu:>9.1f} {r.server_cpu:>12.1f} "
            f"{r.rss_idle_mb:>7.1f}MB {r.rss_peak_mb:>7.1f}MB {r.errors:>6}"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flooders", type=int, default=10)
    parser.add_argument("--flood", type=int, default=300, help="commands per flooding chat")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--send-rate", type=float, default=25.0)
    parser.add_argument("--baseline", action="store_true", help="also run without fairness")
    args = parser.parse_args()
    common = {"users": args.users, "send_rate": args.send_rate}
    rows = [
        await run("control: no flood", flooders=0, flood=0, baseline=False, **common),
        await run(
            f"flood {args.flooders}x{args.flood}, fair",
            flooders=args.flooders,
            flood=args.flood,
            baseline=False,
            **common,
        ),
    ]
    if args.baseline:
        rows.append(
            await run(
                f"flood {args.flooders}x{args.flood}, PTB plain",
                flooders=args.flooders,
                flood=args.flood,
                baseline=True,
                **common,
            )
        )
    print(f"SEND_RATE={args.send_rate:g}, {args.users} normal users, one /latest each")
    _print(rows, args.users)


if __name__ == "__main__":
    asyncio.run(main())
