# Teilhabekarte: API + web UI as compiled JavaScript on Node.js 26 LTS (ADR 0021, 0022). Stateless: run as
# many replicas as needed against one PostgreSQL; docker-compose.yml and docs/operations.md show how.
ARG NODE_IMAGE=node:26-slim

# --- pnpm on Node 26 (pinned like everywhere else, ADR 0015) ---------------------------------------------
FROM ${NODE_IMAGE} AS pnpm
ENV CI=true
RUN npm install -g pnpm@12.21.0

# --- build: every dependency, then compile the web UI (Vite) and the API (esbuild) ------------------------
FROM pnpm AS build
WORKDIR /src
COPY . .
RUN pnpm install --frozen-lockfile && pnpm build

# --- the API's production dependencies only: no TypeScript, tsx, esbuild, Vite or test tools -------------
FROM pnpm AS prod-deps
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY services/api/package.json services/api/
COPY services/web/package.json services/web/
COPY db/package.json db/
COPY packages/core/package.json packages/core/
COPY scripts/package.json scripts/
RUN pnpm install --prod --frozen-lockfile --filter @tk/api

# --- runtime: the repository's layout with only what runs (the compiled API finds migrations and web UI) --
FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="Teilhabekarte" org.opencontainers.image.licenses="AGPL-3.0-or-later"
# tini as PID 1: forwards SIGTERM to Node (graceful close) and reaps children.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=prod-deps /app ./
COPY --from=build /src/services/api/dist services/api/dist
COPY --from=build /src/services/web/dist services/web/dist
COPY --from=build /src/db/migrations db/migrations
# The card letter's texts stay data a city edits; the compiled letters module reads them from here.
COPY --from=build /src/services/api/src/modules/letters/texts services/api/src/modules/letters/texts
# KEYS_DIR for generated signing keys: mount a volume shared by every replica here (docs/operations.md).
RUN mkdir -p /var/lib/teilhabekarte/keys \
  && chown -R node:node /var/lib/teilhabekarte \
  && chmod 700 /var/lib/teilhabekarte/keys
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 SEED=none
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# The node flags are those of `pnpm start` (services/api/package.json; ADR 0038): a small young generation
# and an earlier full collection keep the process near its live heap.
CMD ["node", "--enable-source-maps", "--max-semi-space-size=4", "--heap-growing-percent=10", "services/api/dist/server.js"]
