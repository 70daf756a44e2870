# Production image: web (gunicorn), worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 fonts-croscore poppler-utils gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir -e .
COPY . .
RUN DJANGO_SECRET_KEY=build DJANGO_ALLOWED_HOSTS=build PORTAL_PUBLIC_URL=https://build.invalid \
    AWARDS_BALLOT_KEY=build-time-placeholder-never-used-to-seal python manage.py collectstatic --noinput
RUN useradd --system --uid 1000 xhht && mkdir -p /app/media && chown xhht /app/media
USER xhht
EXPOSE 8000
# gthread: requests wait on PostgreSQL a good part of their time (see docs/scaling.md)
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--worker-class", "gthread", "--threads", "8", "--timeout", "60"]
