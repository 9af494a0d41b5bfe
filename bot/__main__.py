"""``python -m bot`` is the ``newsbot`` command."""

from bot.cli import main

# Guarded: worker processes (digests.sources.offload) import the main module again.
if __name__ == "__main__":
    main()
