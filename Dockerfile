# The bridge for AgentCore Runtime: an ARM64 Node 22 image that listens on 8080 (/ping and
# /invocations). Base images come from the ECR Public mirror of Docker Hub's library, which avoids
# Docker Hub's pull rate limits on CodeBuild. Build: see buildspec.yml or `npm run deploy`.
ARG NODE_IMAGE=public.ecr.aws/docker/library/node:22-slim

# Build stage: TypeScript output is platform-neutral, so it runs on the builder's own platform
# (no emulation on x86 buildx; BUILDPLATFORM needs BuildKit, which buildspec.yml turns on);
# only dist/ leaves this stage. No `# syntax=` line: that would pull a frontend from Docker Hub.
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Run stage: production dependencies only (no CDK, TypeScript, tsx or linters in the image).
FROM --platform=linux/arm64 ${NODE_IMAGE} AS run
ENV NODE_ENV=production \
    PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
ARG IMAGE_VERSION=dev
# The runtime's own IMAGE_VERSION variable overrides this; it only names images run elsewhere.
ENV IMAGE_VERSION=${IMAGE_VERSION}
# uid 1000 is the node image's unprivileged "node" user; the app only reads /app.
USER 1000:1000
EXPOSE 8080
# Exec form: node is PID 1 and receives SIGTERM directly (AgentCore allows ~15 s to drain).
# AgentCore bills memory at its peak for the whole session: a 4 MB young generation and the old one
# grown 1.6x its live size after each full GC (V8's default is up to 4x) kept the bench's peak RSS
# near 140 MB instead of 200+ for about a tenth more CPU under load. No --enable-source-maps: the
# first stack trace it maps decodes a chunk's whole map and keeps it (about 17 MB of heap with the
# map text); the .map files stay in dist/ for NODE_OPTIONS=--enable-source-maps when debugging.
# test/helpers/built-bridge.ts (BRIDGE_NODE_FLAGS) holds the same flags for the tests and the bench.
ENTRYPOINT ["node", "--max-semi-space-size=4", "--heap-growing-percent=60", "dist/main.js"]
