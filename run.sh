#!/usr/bin/env bash
# Builds peon-bot (installing missing Debian packages first) and runs it from the repository root.
# Configuration: environment variables or a .env file here (see README.md).
# Without a DISCORD_TOKEN (not in the environment, no DISCORD_TOKEN line in ./.env) and without arguments it
# starts the terminal playground instead (tools/playground.py): the same binary and scripts against the
# local Discord and orchestrator simulators. `./run.sh --playground` starts the playground even with a token.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source tools/bootstrap.sh build
build_peon build -DCMAKE_BUILD_TYPE=RelWithDebInfo

has_token() {
  [ -n "${DISCORD_TOKEN+set}" ] && return 0
  [ -f .env ] && grep -Eq '^[[:space:]]*(export[[:space:]]+)?DISCORD_TOKEN[[:space:]]*=' .env
}

if [ "${1:-}" = "--playground" ] || { [ "$#" -eq 0 ] && ! has_token; }; then
  install_packages python3 python3-aiohttp   # what the simulators need
  PEON_BOT_BINARY="$PWD/build/peon-bot" exec /usr/bin/python3 tools/playground.py
fi
exec ./build/peon-bot "$@"
