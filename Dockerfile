# syntax=docker/dockerfile:1
# wahook in a container: docs/deploy.md#docker. Build: docker build -t wahook .
# Run:   docker run -p 3000:3000 -v wahook-data:/data --env-file wahook.env wahook

# ---- build: dev dependencies, the TypeScript build, better-sqlite3's native module ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches this platform.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build
# What the runtime needs: production dependencies only, the native module already built above.
RUN npm prune --omit=dev

# ---- runtime: production dependencies, compiled code, non-root ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    WAHOOK_HOST=0.0.0.0 \
    PORT=3000 \
    WAHOOK_DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist/src ./dist/src
COPY --from=build --chown=root:root /app/bin ./bin
COPY --from=build --chown=root:root /app/prices ./prices
COPY --from=build --chown=root:root /app/migrations ./migrations
COPY --from=build --chown=root:root /app/deploy ./deploy
# The embedded store: owned by the unprivileged user the image runs as, mode 0700 (it holds message texts).
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
VOLUME ["/data"]
USER node
EXPOSE 3000
# /readyz does a real write to the store; over HTTPS when a certificate is configured (checked locally, so not verified).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const tls = !!process.env.WAHOOK_TLS_CERT; require(tls ? 'node:https' : 'node:http').get({ host: '127.0.0.1', port: process.env.PORT || 3000, path: '/readyz', rejectUnauthorized: false, timeout: 4000 }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1)).on('timeout', () => process.exit(1))"]
# wahook drains on SIGTERM (docker stop): give it longer than WAHOOK_SHUTDOWN_TIMEOUT_MS with `docker stop -t 30`.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/wahook.js"]
CMD ["serve"]
