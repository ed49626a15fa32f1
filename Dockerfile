# peon-bot image: built on Debian bookworm exactly as ./run.sh builds, run on bookworm-slim as a non-root user.
#   docker build -t peon-bot .
#   docker run -d --name peon-bot -e DISCORD_TOKEN=... -v peon-data:/var/lib/peon-bot peon-bot
# tools/check_dockerfile.py (run by ./test.sh) checks this file without a Docker engine: the build stage
# against run.sh and tools/bootstrap.sh, the runtime packages against what the built binary links.

# ---- build: the same Debian packages (tools/bootstrap.sh) and the same CMake build as ./run.sh ----------
FROM debian:bookworm AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
COPY tools/bootstrap.sh tools/bootstrap.sh
RUN bash tools/bootstrap.sh build \
 && rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt ./
COPY vendor vendor
COPY tools/embed.cmake tools/embed.cmake
COPY core core
COPY scripts scripts
# run.sh's build_peon call, without the unit tests and benchmarks; then the install rules, stripped.
RUN source tools/bootstrap.sh build \
 && build_peon build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPEON_TESTS=OFF \
 && DESTDIR=/out cmake --install build --prefix /usr --strip \
 && /out/usr/bin/peon-bot --version

# ---- runtime: the shared libraries the binary links, time zones and CA certificates; nothing else -------
FROM debian:bookworm-slim
LABEL org.opencontainers.image.title="peon-bot" \
      org.opencontainers.image.description="Discord bot for the PEON game-server platform" \
      org.opencontainers.image.source="https://github.com/the-peon-project/peon-bot"
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      liblua5.4-0 libwebsockets17 libwebsockets-evlib-uv libcurl4 libuv1 libsqlite3-0 zlib1g \
      ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /var/log/apt /var/log/dpkg.log \
 && useradd --system --user-group --uid 10001 --home-dir /var/lib/peon-bot --no-create-home \
      --shell /usr/sbin/nologin peon \
 && install -d -o peon -g peon -m 0700 /var/lib/peon-bot
COPY --from=build /out/usr/bin/peon-bot /usr/bin/peon-bot
COPY --from=build /out/usr/share/peon-bot/scripts /usr/share/peon-bot/scripts
# Fails the image build if a shared library is missing from the packages above.
RUN ["/usr/bin/peon-bot", "--version"]
ENV PEON_SCRIPTS_DIR=/usr/share/peon-bot/scripts \
    PEON_DATA_DIR=/var/lib/peon-bot
USER peon
# The working directory is the state volume: a .env or the Python bot's peon.orchestrators.json put there
# is read from it.
WORKDIR /var/lib/peon-bot
VOLUME ["/var/lib/peon-bot"]
# Healthy while the event loop turns: the bot rewrites $PEON_DATA_DIR/health (Unix time) every 10 s.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/bin/sh", "-c", "beat=$(cat \"$PEON_DATA_DIR/health\" 2>/dev/null); case \"$beat\" in ''|*[!0-9]*) echo \"no heartbeat in $PEON_DATA_DIR/health\"; exit 1;; esac; age=$(( $(date +%s) - beat )); echo \"event loop turned ${age}s ago\"; [ \"$age\" -lt 60 ] || exit 1"]
# SIGTERM (docker stop) closes the gateway and exits 0; 2 = configuration error, 3 = Discord refused the token.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/peon-bot"]
