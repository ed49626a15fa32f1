#!/usr/bin/env bash
# Runs every test: C unit tests (normal and ASan+UBSan builds), luacheck on the scripts, and the
# Python suites (simulator conformance, orchestrator contract, the real binary against the simulators).
# Installs missing Debian packages first. Extra arguments go to pytest (e.g. -k resume).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
source tools/bootstrap.sh test

echo "== build (RelWithDebInfo) and build-asan (ASan+UBSan)" >&2
build_peon build -DCMAKE_BUILD_TYPE=RelWithDebInfo
build_peon build-asan -DCMAKE_BUILD_TYPE=Debug -DPEON_SANITIZE=ON

echo "== C unit tests" >&2
ctest --test-dir build --output-on-failure
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure

echo "== luacheck" >&2
luacheck --quiet --config .luacheckrc scripts core/lua
/usr/bin/python3 tools/check_dockerfile.py  # the Dockerfile vs run.sh and what build/peon-bot links

echo "== pytest" >&2
export PEON_BOT_BINARIES="$PWD/build/peon-bot:$PWD/build-asan/peon-bot"
# Debian's interpreter: the python3 first on PATH may not see the Debian test packages.
exec /usr/bin/python3 -m pytest -c tests/pytest.ini tests "$@"
