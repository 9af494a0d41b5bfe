"""One process holds a role at a time; a standby takes it over when the holder dies or stops."""

from __future__ import annotations

import asyncio
import sys
import time

from digests.db import Database
from digests.leases import Lease, Owner, serve_role

TTL = 1.0  # short, so expiry is seen in a test; production uses 10 s


def owner(host: str) -> Owner:
    return Owner(host, 4242, host)


async def test_a_second_process_cannot_take_a_held_role_until_it_expires(db: Database) -> None:
    first = Lease(db, "sender", owner("alpha"), ttl=TTL)
    second = Lease(db, "sender", owner("beta"), ttl=TTL)
    assert await first.try_take()
    assert first.held
    assert not await second.try_take()
    assert second.holder == str(first.owner)
    assert await second.who_holds() == str(first.owner)

    await asyncio.sleep(TTL + 0.2)  # alpha stopped renewing: as good as killed
    assert not first.held
    assert await second.try_take()
    assert not await first.renew(), "the old holder must learn that it lost the role"
    assert not await first.try_take()


async def test_a_holder_gone_from_this_host_is_replaced_at_once(db: Database) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import os; print(os.getpid())", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    me = Owner.this_process("samehost")
    gone = Owner("samehost", int(out), "earlier")
    assert await Lease(db, "sender", gone, ttl=60).try_take()
    assert await Lease(db, "sender", me, ttl=60).try_take()  # no 60 s wait


async def test_a_standby_takes_over_when_the_holder_is_killed(db: Database) -> None:
    stop = asyncio.Event()
    working: list[str] = []
    started = {"alpha": asyncio.Event(), "beta": asyncio.Event()}

    def role(name: str) -> tuple[Lease, asyncio.Task[None]]:
        lease = Lease(db, "sender", owner(name), ttl=TTL)

        async def work(quit_role: asyncio.Event) -> None:
            working.append(name)
            started[name].set()
            await quit_role.wait()

        return lease, asyncio.create_task(serve_role(lease, stop, work))

    _alpha, alpha_task = role("alpha")
    await asyncio.wait_for(started["alpha"].wait(), 5)
    beta, beta_task = role("beta")
    await asyncio.sleep(TTL * 1.5)  # alpha keeps renewing: beta only stands by
    assert working == ["alpha"] and not beta.held

    alpha_task.cancel()  # like kill -9: no release, the row just stops being renewed
    killed_at = time.monotonic()
    await asyncio.wait_for(started["beta"].wait(), 5)
    assert beta.held
    assert time.monotonic() - killed_at <= TTL * 1.3
    assert working == ["alpha", "beta"]

    stop.set()  # a clean stop gives the role up at once
    await beta_task
    gamma = Lease(db, "sender", owner("gamma"), ttl=TTL)
    assert await gamma.try_take()
