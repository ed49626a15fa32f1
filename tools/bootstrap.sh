#!/usr/bin/env bash
# Installs the Debian (bookworm) packages peon-bot needs that are missing, then builds.
# Usage: tools/bootstrap.sh build|test   ("test" adds the test tooling)
# Sourced by run.sh and test.sh; safe to run again (it installs nothing when all is there).
set -euo pipefail

peon_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

build_packages=(build-essential cmake pkg-config liblua5.4-dev lua-cjson-dev libwebsockets-dev
  libwebsockets-evlib-uv libcurl4-openssl-dev libuv1-dev libsqlite3-dev zlib1g-dev tzdata ca-certificates)
test_packages=(python3 python3-aiohttp python3-pytest python3-pytest-timeout python3-discord lua-check)

missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || printf '%s\n' "$pkg"
  done
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages "$@")
  [ "${#missing[@]}" -eq 0 ] && return 0
  echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "bootstrap: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# build_peon DIR [cmake args...]: configures once, then rebuilds incrementally.
build_peon() {
  local dir="$1"; shift
  cmake -S "$peon_root" -B "$peon_root/$dir" "$@" >/dev/null
  cmake --build "$peon_root/$dir" -j"$(nproc)" >&2
}

mode="${1:-build}"
case "$mode" in
  build) install_packages "${build_packages[@]}" ;;
  test) install_packages "${build_packages[@]}" "${test_packages[@]}" ;;
  *) echo "usage: tools/bootstrap.sh build|test" >&2; exit 2 ;;
esac
