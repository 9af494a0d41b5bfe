FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH
RUN pip install --no-cache-dir 'uv>=0.4,<1'
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
# .dockerignore keeps .env (the token), .venv, .tools and *.db out of this copy.
COPY . .
RUN uv sync --frozen --no-dev
RUN useradd --create-home newsbot && chown -R newsbot /app
USER newsbot
# The health, readiness and metrics pages (HTTP_LISTEN) and the webhook (WEBHOOK_LISTEN).
EXPOSE 8080
# Alone (docker run): migrate, then serve. compose runs the migration once, then `newsbot run`.
CMD ["sh", "-c", "newsbot db upgrade && exec newsbot run"]
