# syntax=docker/dockerfile:1
# One image for every service of todo-stream: the gateway, the bridge, each stream processor,
# the audit re-drive and the schema CLI differ only in their command (strimzi/base/app/*.yaml):
#   node dist/gateway/main.js
#   node dist/bridge/main.js
#   node dist/streams/processors/<task-view|settings-view|scheduler|recurrence|notifier|notification-view>/main.js
#   node dist/connectors/redrive/main.js   (the audit re-drive)
#   node dist/contracts/avro/cli.js register
# One image because they share one package.json, one lock file and one native Kafka client:
# one build of librdkafka, one scan, one tag to promote and roll back.

ARG NODE_VERSION=20.20.2

# ---- build: compile TypeScript and build librdkafka, then drop the dev dependencies ----
FROM node:${NODE_VERSION}-bookworm AS build
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4-openssl-dev libssl-dev libsasl2-dev zlib1g-dev libzstd-dev liblz4-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# The same linking as the local stack (stack/setup.sh): librdkafka against Debian's libraries,
# which the runtime stage installs.
ENV CKJS_LINKING=dynamic
RUN npm ci --no-audit --no-fund
# The sources .dockerignore lets in (one list: a new source folder is added there).
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime: the compiled services, production dependencies only, as a non-root user ----
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# The shared libraries librdkafka was linked against in the build stage.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4 libssl3 libsasl2-2 zlib1g libzstd1 liblz4-1 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    TZ=UTC \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# The files belong to root and are read-only for the process: with readOnlyRootFilesystem in
# the pods nothing is written but /tmp (an emptyDir there).
USER 10001:10001
EXPOSE 8080 8090 9464
CMD ["node", "dist/gateway/main.js"]
