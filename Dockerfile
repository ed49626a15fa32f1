# peon-bot image: build on Debian bookworm, run on bookworm-slim as a non-root user.
#   docker build -t peon-bot .
#   docker run -d --name peon-bot -e DISCORD_TOKEN=... -v peon-data:/var/lib/peon-bot peon-bot
FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config liblua5.4-dev lua-cjson-dev libwebsockets-dev libwebsockets-evlib-uv \
      libcurl4-openssl-dev libuv1-dev libsqlite3-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY vendor vendor
COPY tools/embed.cmake tools/embed.cmake
COPY core core
COPY scripts scripts
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPEON_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr \
 && cmake --build build -j"$(nproc)" \
 && DESTDIR=/out cmake --install build --strip

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      liblua5.4-0 libwebsockets17 libwebsockets-evlib-uv libcurl4 libuv1 libsqlite3-0 zlib1g \
      ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/peon-bot --shell /usr/sbin/nologin peon \
 && install -d -o peon -g peon -m 0700 /var/lib/peon-bot
COPY --from=build /out/usr /usr
ENV PEON_SCRIPTS_DIR=/usr/share/peon-bot/scripts \
    PEON_DATA_DIR=/var/lib/peon-bot
USER peon
WORKDIR /var/lib/peon-bot
VOLUME ["/var/lib/peon-bot"]
ENTRYPOINT ["/usr/bin/peon-bot"]
