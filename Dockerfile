# The one chaoslab image: `chaoslab backend` and `chaoslab client` (k8s/*.yaml pick the command).
# Multi-stage on Debian bookworm with Debian's own packages; the runtime stage holds the binary and
# its shared libraries only and runs as an unprivileged numeric user (so Kubernetes can verify
# runAsNonRoot). Build: scripts/image, or docker build -t chaoslab:latest .   (docs/minikube.md)
# Both stages start from bookworm-slim: one base image to fetch or make (scripts/image).

# ---- build -----------------------------------------------------------------------------------
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config ca-certificates ccache \
      libboost-dev libcpp-httplib-dev nlohmann-json3-dev libcli11-dev libyaml-cpp-dev \
      nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The charting libraries the report command inlines, pinned by report/package-lock.json.
COPY report/package.json report/package-lock.json report/
# NODE_EXTRA_CA_CERTS: node's own CA list plus the system's, which holds any local CA the builder
# adds where TLS is re-signed by a proxy (scripts/image). Errors are printed, not silenced.
RUN cd report && NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
      npm ci --no-audit --no-fund --loglevel=error
# The whole source tree (.dockerignore keeps out build trees, node_modules, .git), so new library
# folders are built without touching this file.
COPY . .
# Compiled through ccache: the same compiler, flags and objects as without it. The cache is empty
# unless the builder mounts one on /root/.cache/ccache (scripts/image with CHAOSLAB_IMAGE_CCACHE,
# as CI does with the cache its own Release build just filled); paths are relative to /src.
RUN export CCACHE_BASEDIR=/src CCACHE_NOHASHDIR=1 CCACHE_STATSLOG=/tmp/ccache.log \
 && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
      -DCHAOSLAB_BUILD_TESTS=OFF -DCHAOSLAB_BUILD_BENCH=OFF \
 && cmake --build build --target chaoslab \
 && ccache --show-log-stats | grep -E '^ *(Hits|Misses)' \
 && strip build/chaoslab \
 && ./build/chaoslab --version

# ---- runtime ---------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libcpp-httplib0.11 libyaml-cpp0.7 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/chaoslab /usr/local/bin/chaoslab
COPY scenarios/ /usr/share/chaoslab/scenarios/
COPY chaos/*.json /usr/share/chaoslab/chaos/
COPY k8s/ /usr/share/chaoslab/k8s/
USER 10001:10001
WORKDIR /tmp
# Backend on 8000, client (/health, /metrics) on 8001: PORT selects it in each Deployment.
EXPOSE 8000 8001
ENTRYPOINT ["chaoslab"]
CMD ["--help"]
