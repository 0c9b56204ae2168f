# Buurtbeeld als container (docs/installatie.md, "Container").
#
#   docker build -t buurtbeeld .
#   docker run -v /srv/buurtbeeld/werkmap:/werkmap -p 127.0.0.1:8000:8000 \
#     -e BUURTBEELD_HOSTNAAM=buurtbeeld.gemeente.nl buurtbeeld
#
# De werkmap (kubus, platform.sqlite) is een volume: de container zelf bewaart niets.

# --- build: install Buurtbeeld and its wheels into a virtualenv ---------------------------------
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/buurtbeeld
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN /opt/buurtbeeld/bin/pip install .

# --- runtime: the virtualenv only, run as an unprivileged user ----------------------------------
FROM python:3.11-slim-bookworm
LABEL org.opencontainers.image.title="Buurtbeeld" \
      org.opencontainers.image.licenses="EUPL-1.2"
RUN groupadd --system --gid 10001 buurtbeeld \
    && useradd --system --uid 10001 --gid buurtbeeld --home-dir /werkmap --no-create-home \
       --shell /usr/sbin/nologin buurtbeeld \
    && mkdir /werkmap && chown buurtbeeld:buurtbeeld /werkmap && chmod 0700 /werkmap
COPY --from=build /opt/buurtbeeld /opt/buurtbeeld
ENV PATH="/opt/buurtbeeld/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BUURTBEELD_LOGFORMAAT=json \
    BUURTBEELD_PROCESSEN=2
# Names the reverse proxy sends as Host (space-separated); 127.0.0.1 and localhost always work.
ENV BUURTBEELD_HOSTNAAM=""
VOLUME ["/werkmap"]
WORKDIR /werkmap
USER 10001:10001
EXPOSE 8000
# Liveness: the process answers. Readiness (/klaar) is for the load balancer or orchestrator.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/gezond', timeout=4)"]
CMD ["buurtbeeld", "serve", "--werkmap", "/werkmap", "--host", "0.0.0.0", "--poort", "8000"]
