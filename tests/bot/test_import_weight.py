"""Starting the bot loads only what every role needs: the heavy libraries wait for first use."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("scipy", "datasketch", "trafilatura", "py3langid", "matplotlib", "numpy")


def test_importing_the_runner_loads_no_heavy_library() -> None:
    code = (
        "import json, sys; import bot.runner; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
