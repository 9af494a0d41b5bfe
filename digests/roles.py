"""What this process does among several on one database: for readiness checks and metrics.

Sending and polling are single roles held by lease (``digests/leases.py``); fetching and the
digest tick run in every process and share the work through the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from digests.leases import Lease


@dataclass
class Roles:
    """The leases this process competes for; ``None`` where it does not take part."""

    sender: Lease | None = None
    poller: Lease | None = None

    @property
    def owner(self) -> str | None:
        """This process's name in the leases (``host/pid/instance``)."""
        for lease in (self.sender, self.poller):
            if lease is not None:
                return str(lease.owner)
        return None

    def held(self) -> dict[str, bool]:
        """Each role this process competes for, and whether it holds it now."""
        return {lease.name: lease.held for lease in (self.sender, self.poller) if lease is not None}
