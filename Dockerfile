# syntax=docker/dockerfile:1
# ShopBot: the compiled server (npm run build), production dependencies only, the bundled models,
# running as the unprivileged `node` user. Build: docker build -t shopbot .   (docs/deploy.md)

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- toolchain for the native addons (better-sqlite3, hnswlib-node) ----------------------------
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# node-gyp compiles against the image's own Node headers instead of downloading them.
# onnxruntime-node ships its CPU binaries (bin/napi-v6/linux/x64) inside the npm package; its
# postinstall would only download the CUDA provider from NuGet: skipped, as .npmrc does.
ENV npm_config_nodedir=/usr/local \
    ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./

# ---- build: all dependencies, tsc to dist/ -------------------------------------------------------
FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY deploy/postbuild.mjs deploy/
COPY api api
COPY app app
COPY bot bot
COPY channels channels
COPY core core
COPY desk desk
COPY linking linking
COPY nlu nlu
COPY recommender recommender
COPY retrieval retrieval
COPY reviews reviews
COPY store store
COPY web web
RUN npm run build

# ---- production dependencies only (native addons compiled here, for the runtime image) ------------
FROM toolchain AS deps
# onnxruntime-node carries binaries for every platform (~290 MB); the image keeps Linux's only. The
# test fails the build if this architecture's CPU binding is missing.
RUN npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/onnxruntime-node/bin/napi-v6/darwin node_modules/onnxruntime-node/bin/napi-v6/win32 \
 && test -f "node_modules/onnxruntime-node/bin/napi-v6/linux/$(node -p process.arch)/onnxruntime_binding.node" \
 && npm cache clean --force

# ---- runtime -------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    SHOPBOT_DATA_DIR=/data \
    SHOPBOT_LOG_FORMAT=json
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
COPY models models
COPY fixtures fixtures
# The message catalogues (core/i18n.ts finds them above dist/).
COPY locales locales
# The data folder (SQLite, indexes, trained heads) is the only place the server writes.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 3000
# Liveness: /healthz answers from the first second (also while a first start seeds and indexes).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# main.js handles SIGTERM/SIGINT itself (closes sockets, workers and the database).
CMD ["node", "--enable-source-maps", "dist/app/main.js"]
