# The one chaoslab image: `chaoslab backend` and `chaoslab client` (k8s/*.yaml pick the command).
# Multi-stage on Debian bookworm with Debian's own packages; the runtime stage holds the binary and
# its shared libraries only and runs as an unprivileged numeric user (so Kubernetes can verify
# runAsNonRoot). Build: docker build -t chaoslab:latest .   (docs/minikube.md)

# ---- build -----------------------------------------------------------------------------------
FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config ca-certificates \
      libboost-dev libcpp-httplib-dev nlohmann-json3-dev libcli11-dev libyaml-cpp-dev \
      nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The charting libraries the report command inlines, pinned by report/package-lock.json.
COPY report/package.json report/package-lock.json report/
RUN cd report && npm ci --no-audit --no-fund --silent
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCHAOSLAB_BUILD_TESTS=OFF -DCHAOSLAB_BUILD_BENCH=OFF \
 && cmake --build build --target chaoslab \
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
