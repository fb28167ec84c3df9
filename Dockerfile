# syntax=docker/dockerfile:1.7
#
# Riposte's production images, built reproducibly from the lock files (package-lock.json for Node,
# docker/kcl-jars.pom.xml for the KCL's Java jars, fetched and checksum-verified by Maven):
#
#   docker build --target kcl -t riposte-kcl .   # KCL MultilangDaemon → one `riposte kcl` per shard lease
#   docker build --target api -t riposte-api .   # ingest, agent and admin APIs, /metrics, the digester
#
# Both run as an unprivileged user. Pin the base images by digest in your registry for bit-for-bit
# rebuilds (the tags below move with security updates).

ARG NODE_IMAGE=node:22-bookworm-slim
ARG MAVEN_IMAGE=maven:3.9-eclipse-temurin-17

# --- TypeScript → JavaScript, and production dependencies -------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY detectors ./detectors
# The engine names IPv6 actors exactly as the agent reads them: the agent's dependency-free ip.ts is compiled in.
COPY packages/agent/src/ip.ts ./packages/agent/src/ip.ts
COPY console ./console
COPY scripts/build-console.ts ./scripts/build-console.ts
# The console is built here (dist/console/<hash>); the runtime has no sources and serves that build.
RUN npm run build && npm run build:console && npm prune --omit=dev --no-audit --no-fund

# --- The KCL MultilangDaemon's jars: aws-kcl's pom.xml with the KCL's own newer versions -----------
# docker/kcl-jars.pom.xml is the list .kcl/jars is filled with (src/drivers/kcl-daemon/jars.ts, written
# by `npm run kcl:pom`, kept equal by a test): aws-kcl's 79 jars, protobuf-java and
# schema-registry-serde at the versions KCL 2.7.2 was built with (docs/drivers.md). `excludeTransitive`
# keeps Maven from adding versions of its own.
FROM ${MAVEN_IMAGE} AS kcl-jars
COPY docker/kcl-jars.pom.xml /kcl/pom.xml
RUN mvn --batch-mode --quiet --strict-checksums -f /kcl/pom.xml \
      dependency:copy-dependencies -DoutputDirectory=/kcl/jars -DexcludeTransitive=true \
 && test "$(ls /kcl/jars/*.jar | wc -l)" -eq 79

# --- What both images share: Node, the build, no sources ---------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    RIPOSTE_DATA_DIR=/var/lib/riposte
WORKDIR /app
RUN groupadd --system riposte && useradd --system --gid riposte --home-dir /var/lib/riposte riposte \
 && mkdir -p /var/lib/riposte && chown riposte:riposte /var/lib/riposte
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY rules ./rules
COPY playbooks/*.yaml playbooks/playbook.schema.json ./playbooks/

# --- The APIs (riposte serve) ---------------------------------------------------------------------------
FROM runtime AS api
USER riposte
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "bin/riposte.js", "serve"]

# --- Detection: the KCL MultilangDaemon, which starts `riposte kcl` per shard --------------------------
FROM runtime AS kcl
RUN apt-get update \
 && apt-get install --yes --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/*
COPY --from=kcl-jars /kcl/jars /opt/kcl/jars
COPY kcl.properties ./kcl.properties
COPY docker/kcl-entrypoint.sh /usr/local/bin/riposte-kcl-daemon
USER riposte
ENTRYPOINT ["/usr/local/bin/riposte-kcl-daemon"]
