"""The news and digest domain: sources, articles, topics, matching, assembly, delivery.

Nothing here imports ``telegram``; the Telegram adapter lives in ``bot`` and implements the
ports this package defines in :mod:`digests.ports`.
"""
