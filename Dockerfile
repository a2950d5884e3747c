# syntax=docker/dockerfile:1
# activestack-gateway: build with the dev toolchain, run with production
# dependencies only, as the unprivileged `node` user. The configuration file
# is mounted at /etc/activestack/gateway.properties; secrets come from the
# environment (FRONTEND_SESSION_SECRET, ...). See docs/container.md.

ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# .npmrc: ignore-scripts (a dependency's preinstall would refuse npm) — see DESIGN.
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
# Nothing in /app is writable by the gateway's user.
USER node
EXPOSE 8080
# /health answers while the process serves HTTP (plain HTTP: with
# frontend.ssl=true inside the container, override this check).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.FRONTEND_PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# exec form: node is PID 1 and gets docker stop's SIGTERM itself (the
# gateway drains its clients, up to 30 s: give it a longer stop timeout).
ENTRYPOINT ["node", "dist/main/bin.js"]
CMD ["server", "/etc/activestack/gateway.properties"]
