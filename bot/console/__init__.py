"""``newsbot console``: chat with the real bot in a terminal, with no Telegram and no token.

``session`` runs the bot (the same Application ``newsbot run`` builds) against ``telegram``, a
Bot API answered in process, on an SQLite file of its own; ``screen`` draws what the bot sends
with Rich; ``examples`` serves the example feeds shipped in the package.
"""
