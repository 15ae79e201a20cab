# Teilhabekarte API + web UI. Stateless: run as many replicas as needed against one PostgreSQL.
FROM node:22-bookworm-slim
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true
RUN npm install -g pnpm@12.21.0
WORKDIR /app
COPY . .
RUN pnpm install --frozen-lockfile && pnpm --filter @tk/web build
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 SEED=none
EXPOSE 3000
USER node
CMD ["pnpm", "--filter", "@tk/api", "start"]
