# Production image: the API behind uvicorn, against the PostgreSQL named by DATABASE_URL.
#   docker build -t anquan .
#   docker run --rm -e DATABASE_URL=postgresql://anquan@db/anquan anquan python -m app.cli migrate
#   docker run -d -p 8000:8000 -e DATABASE_URL=... -e ANQUAN_ENV=production -e ANQUAN_JWT_SECRET=... -e ANQUAN_AUDIT_KEY=... anquan
# The job worker is a second process of the same image (as many as wanted, anywhere):
#   docker run -d -e DATABASE_URL=... -e ANQUAN_ENV=production -e ANQUAN_JWT_SECRET=... -e ANQUAN_AUDIT_KEY=... anquan python -m app.cli worker
FROM python:3.11-slim AS build
WORKDIR /srv
COPY pyproject.toml README.md requirements/production.txt ./
COPY app ./app
# The locked versions, hash-checked (./scripts/lock exports them from uv.lock); then the
# project itself without resolving anything again.
RUN pip install --no-cache-dir --prefix=/install --require-hashes -r production.txt \
 && pip install --no-cache-dir --prefix=/install --no-deps .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ANQUAN_ENV=production WEB_CONCURRENCY=2 ANQUAN_WORKER_IN_PROCESS=false
RUN useradd --system --uid 10001 --home /srv anquan
WORKDIR /srv
COPY --from=build /install /usr/local
COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
USER anquan
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz').status == 200 else 1)"
# Migrations (and reference data) are applied by an explicit command (see above), never at start.
CMD ["sh", "-c", "exec python -m app.serve --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY} --skip-setup"]
