# syntax=docker/dockerfile:1
# clusterset-dns and clusterset-reconciler in one image. Build: docker build -t clusterset-dns:0.1.0 .
# The default command is the DNS server; the reconciler's Deployment sets its own command.

# --- build: all dependencies (TypeScript), compile to dist/ ---
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would compile before the sources are here.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY bench ./bench
COPY test ./test
RUN npx tsc -p tsconfig.json

# --- production dependencies only ---
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# --- runtime: node, production node_modules, compiled sources; numeric non-root user ---
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /src/dist/src ./dist/src
# 65532: no passwd entry needed; matches runAsUser in manifests/.
USER 65532:65532
EXPOSE 53/udp 53/tcp 8080 8181 9153
# The bin carries its own V8 flags (--max-semi-space-size=8, src/cli/launch.ts): it re-executes
# node with them in place, so PID 1 stays the server and gets the signals.
ENTRYPOINT ["node", "dist/src/cli/clusterset-dns.js"]
CMD ["-conf", "/etc/clusterset-dns/Corefile"]
