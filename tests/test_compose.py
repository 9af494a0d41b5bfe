"""docker-compose.yml, the Dockerfile and .dockerignore agree with each other and the code.

Docker does not run here; these checks read the files as compose and docker would.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from digests.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
# The sender waits up to this long for its sends in flight at stop (digests.delivery).
SENDER_DRAIN_SECONDS = 30


def _compose() -> dict[str, Any]:
    found = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(found, dict)
    return found


def _seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)(s|m)", value)
    assert match, value
    return int(match.group(1)) * (60 if match.group(2) == "m" else 1)


def test_compose_has_postgresql_a_migration_and_a_scalable_bot() -> None:
    services = _compose()["services"]
    assert services["db"]["image"].startswith("postgres:")
    assert "healthcheck" in services["db"]
    assert services["migrate"]["command"] == ["newsbot", "db", "upgrade"]
    bot = services["bot"]
    assert bot["command"] == ["newsbot", "run"]
    # Scalable: no fixed container name and no host port that a second replica would clash on.
    assert "container_name" not in bot
    assert "ports" not in bot
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert _seconds(bot["stop_grace_period"]) > SENDER_DRAIN_SECONDS
    assert bot["restart"] == "unless-stopped"


def test_the_bot_healthcheck_asks_healthz_where_the_bot_listens() -> None:
    bot = _compose()["services"]["bot"]
    listen = bot["environment"]["HTTP_LISTEN"]
    port = listen.rsplit(":", 1)[1]
    probe = " ".join(bot["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/healthz" in probe
    assert f"EXPOSE {port}" in (ROOT / "Dockerfile").read_text()


def test_the_compose_environment_is_valid_settings() -> None:
    bot = _compose()["services"]["bot"]
    env = {k.lower(): v for k, v in bot["environment"].items()}
    settings = load_settings(**env)
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.listen == ("0.0.0.0", 8080)


def test_env_file_is_optional() -> None:
    for name in ("migrate", "bot"):
        service = _compose()["services"][name]
        assert service["env_file"] == [{"path": ".env", "required": False}], name


def test_the_webhook_profile_fronts_the_bots() -> None:
    services = _compose()["services"]
    profiled = {name for name, s in services.items() if "webhook" in s.get("profiles", [])}
    assert profiled == {"proxy"}
    proxy = services["proxy"]
    assert "bot:8080" in proxy["command"]
    assert proxy["depends_on"]["bot"]["condition"] == "service_healthy"
    assert "profiles" not in services["bot"]  # the bots run in every profile


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for pattern in (".env", ".venv/", ".tools/", "*.db"):
        assert pattern in ignored, pattern
    assert "!.env.example" in ignored


def test_the_dockerfile_installs_from_the_lock_and_execs_the_bot() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY pyproject.toml uv.lock README.md ./" in dockerfile
    assert dockerfile.count("uv sync --frozen --no-dev") == 2
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    # exec: the bot gets SIGTERM itself (a shell as PID 1 would swallow it).
    assert "exec newsbot run" in cmd
    assert "newsbot db upgrade" in cmd
