# syntax=docker/dockerfile:1
# relay-base: Python 3.11, the contracts and the shared kit in /opt/relay, and the
# non-root user every Relay image runs as. Each service's Dockerfile starts FROM it
# and adds only its own package, so the kit is built once and shared as a layer.
#
# Build from the repository root, before the service images (`make images` does both):
#   docker build -f deploy/docker/base.Dockerfile -t ghcr.io/relay-desk/relay-base .

FROM python:3.11-slim
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/relay/bin:$PATH \
    HOME=/tmp \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    RELAY_LOG_FORMAT=json \
    RELAY_DATA_DIR=/tmp/relay
# HOME=/tmp: in Kubernetes /tmp is the one writable directory (an emptyDir; the root
# filesystem is read-only).
RUN python -m venv /opt/relay \
 && groupadd --system --gid 10001 relay \
 && useradd --system --uid 10001 --gid relay --no-create-home --home-dir /tmp --shell /usr/sbin/nologin relay
COPY contracts /src/contracts
COPY libs/relaykit /src/libs/relaykit
RUN pip install --no-cache-dir /src/contracts /src/libs/relaykit && rm -rf /src
# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
ENTRYPOINT ["relay"]
CMD ["--help"]
