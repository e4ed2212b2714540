# Entryway's container image: `docker build -t entryway:0.1.0 .` (docs/operations.md).
# Build stage: the TypeScript build, then only the production dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /src
# better-sqlite3 builds from source when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY data ./data
# The web console's front-end, built by `npm run build` (Vite) into dist/console-ui.
COPY console ./console
RUN npm run build && npm prune --omit=dev

# Runtime: the build's dist/, data/ and production node_modules, run as an unprivileged user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production ENTRYWAY_DATA_DIR=/var/lib/entryway
RUN groupadd --system --gid 10001 entryway \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/entryway --shell /usr/sbin/nologin entryway \
 && install -d -o 10001 -g 10001 -m 0700 /var/lib/entryway
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/data ./data
USER 10001:10001
VOLUME ["/var/lib/entryway"]
EXPOSE 8443
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["serve", "--data-dir", "/var/lib/entryway", "--listen", "0.0.0.0:8443"]
