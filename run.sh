#!/usr/bin/env bash
# Builds peon-bot (installing missing Debian packages first) and runs it from the repository root.
# Configuration: environment variables or a .env file here (see README.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source tools/bootstrap.sh build
build_peon build -DCMAKE_BUILD_TYPE=RelWithDebInfo
exec ./build/peon-bot "$@"
