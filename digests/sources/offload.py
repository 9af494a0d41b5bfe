"""CPU-heavy reading of fetched documents, kept off the event loop.

A feed is parsed and cleaned in Python and in C extensions that hold the GIL
(fastfeedparser's core reads a whole document in one call): measured with
``bench/feed_lag.py`` on a 100,000-item feed, parsing on the loop stalled it for the whole
parse (18 s), a worker thread still for 1.4 s at a time, a worker process for 0.2 s (the
result being unpickled). So documents up to ``PROCESS_FROM`` bytes, nearly every real feed,
are read in a thread (no pickling, no extra process), larger ones in one worker process,
started on first use from a fork server and kept for the life of the program.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import ParamSpec, TypeVar

from digests.errors import FeedParseError
from digests.i18n import N_

PROCESS_FROM = 2_000_000

P = ParamSpec("P")
R = TypeVar("R")

_pool: ProcessPoolExecutor | None = None


def _process_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["digests.sources.reading"])
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
    return _pool


async def off_loop(size: int, work: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``work(*args)`` in a thread, or in the worker process when ``size`` is large.

    ``work`` and its arguments must be picklable (a module-level function and plain values).
    FeedParseError if the worker process dies meanwhile.
    """
    global _pool
    if size < PROCESS_FROM:
        return await asyncio.to_thread(work, *args, **kwargs)
    try:
        # Submitted from a thread: the first submit starts the fork server and the worker,
        # which blocks for a second or more.
        future = await asyncio.to_thread(
            lambda: _process_pool().submit(functools.partial(work, *args, **kwargs))
        )
        return await asyncio.wrap_future(future)
    except BrokenProcessPool:
        # The worker died (out of memory on a hostile document?): the next call starts another.
        _pool = None
        raise FeedParseError(
            N_("could not read the document: the process reading it stopped")
        ) from None
