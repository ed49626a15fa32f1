#!/usr/bin/env bash
# Runs the C unit tests and integration tests with every C program under valgrind memcheck: any invalid
# access, use of uninitialised memory, or definite/indirect leak fails. Not part of ./test.sh (it takes a
# while; docs/hardening.md).
#
# Usage: tools/valgrind.sh [--unit] [--all] [pytest args...]
#   default  the unit tests, then test_peon_server.py, test_interactions.py and test_gateway.py
#   --unit   the unit tests only
#   --all    the unit tests, then every integration test
#   pytest args (e.g. -k startup, or test files under tests/integration/) pick integration tests instead
#
# Builds a plain Debug build (no ASan) in build-valgrind/. The integration tests run from a mirror of the
# repository in build-valgrind/mirror/ whose build/ holds wrapper scripts that exec valgrind on the real
# programs in build-valgrind/ (peon-bot and the tests/tools drivers), so the tests run unmodified: they
# take the binary from PEON_BOT_BINARIES and the drivers from build/tests/. Timeouts in
# tests/integration/botrun.py scale with PEON_TEST_SLOWDOWN (default 10 here). Valgrind writes one log per
# process to build-valgrind/valgrind-logs/; the summary at the end adds them up.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
source tools/bootstrap.sh test
install_packages valgrind

unit_only=0
tests=()
pytest_args=()
for arg in "$@"; do
  case "$arg" in
    --unit) unit_only=1 ;;
    --all) tests=("tests/integration") ;;
    *) pytest_args+=("$arg") ;;
  esac
done
if [ ${#tests[@]} -eq 0 ] && [ ${#pytest_args[@]} -eq 0 ]; then
  tests=(tests/integration/test_peon_server.py tests/integration/test_interactions.py tests/integration/test_gateway.py)
fi

build="$root/build-valgrind"
echo "== build-valgrind (Debug, no sanitizers)" >&2
build_peon build-valgrind -DCMAKE_BUILD_TYPE=Debug -DPEON_SANITIZE=OFF -DPEON_TESTS=ON

logs="$build/valgrind-logs"
rm -rf "$logs"
mkdir -p "$logs"
valgrind_options=(--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
  --show-leak-kinds=definite,indirect --num-callers=40 --child-silent-after-fork=yes
  "--suppressions=$root/tools/valgrind.supp")

# ---- unit tests: each test program under valgrind, from the repository root as ctest runs them ----
echo "== C unit tests under valgrind" >&2
unit_failed=()
for test in "$build"/tests/test_*; do
  [ -x "$test" ] || continue
  name="$(basename "$test")"
  if valgrind "${valgrind_options[@]}" "--log-file=$logs/unit-$name.%p.log" "$test" >"$logs/unit-$name.out" 2>&1; then
    echo "ok   $name" >&2
  else
    echo "FAIL $name (exit $?): $logs/unit-$name.out" >&2
    unit_failed+=("$name")
  fi
done

# ---- integration tests through the mirror ----
pytest_status=0
if [ $unit_only -eq 0 ]; then
  mirror="$build/mirror"
  rm -rf "$mirror"
  mkdir -p "$mirror/build/tests"
  # The tests are copied (they find the repository from their own path); everything else is linked.
  cp -r "$root/tests" "$mirror/tests"
  find "$mirror/tests" -name __pycache__ -prune -exec rm -rf {} +
  for entry in "$root"/* "$root"/.luacheckrc; do
    name="$(basename "$entry")"
    case "$name" in tests|build|build-*) continue ;; esac
    [ -e "$entry" ] && ln -s "$entry" "$mirror/$name"
  done
  wrap() { # wrap REAL WRAPPER: a script that runs REAL under valgrind, logging per process
    # Valgrind runs REAL through a link named WRAPPER.bin, so the process list still shows the wrapper's
    # path (a test looks for the bot it started by that path).
    ln -s "$1" "$2.bin"
    cat >"$2" <<EOF
#!/bin/sh
exec $(command -v valgrind) ${valgrind_options[*]} --log-file=$logs/$(basename "$1").%p.log $2.bin "\$@"
EOF
    chmod +x "$2"
  }
  wrap "$build/peon-bot" "$mirror/build/peon-bot"
  for tool in "$build"/tests/*_driver; do
    [ -x "$tool" ] && wrap "$tool" "$mirror/build/tests/$(basename "$tool")"
  done

  echo "== integration tests under valgrind (PEON_TEST_SLOWDOWN=${PEON_TEST_SLOWDOWN:-10})" >&2
  mirrored=()
  for t in "${tests[@]}"; do mirrored+=("$mirror/$t"); done
  PEON_BOT_BINARIES="$mirror/build/peon-bot" PEON_TEST_SLOWDOWN="${PEON_TEST_SLOWDOWN:-10}" \
    /usr/bin/python3 -m pytest -c "$mirror/tests/pytest.ini" -p no:cacheprovider -o timeout=3600 \
    "${mirrored[@]}" "${pytest_args[@]}" || pytest_status=$?
fi

# ---- summary over every valgrind log ----
echo "== valgrind summary" >&2
summary_status=0
/usr/bin/python3 - "$logs" <<'EOF' || summary_status=$?
import pathlib, re, sys
logs = sorted(pathlib.Path(sys.argv[1]).glob("*.log"))
total = {"processes": 0, "errors": 0, "definite": 0, "indirect": 0, "definite_bytes": 0, "indirect_bytes": 0}
bad = []
for log in logs:
    text = log.read_text(errors="replace")
    total["processes"] += 1
    errors = sum(int(n) for n in re.findall(r"ERROR SUMMARY: (\d+) errors", text))
    leaks = {}
    for kind in ("definitely", "indirectly"):
        m = re.search(kind + r" lost: ([\d,]+) bytes in ([\d,]+) blocks", text)
        leaks[kind] = (int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))) if m else (0, 0)
    total["errors"] += errors
    total["definite"] += leaks["definitely"][1]
    total["definite_bytes"] += leaks["definitely"][0]
    total["indirect"] += leaks["indirectly"][1]
    total["indirect_bytes"] += leaks["indirectly"][0]
    if errors or leaks["definitely"][1] or leaks["indirectly"][1]:
        bad.append(log)
print(f"{total['processes']} processes: {total['errors']} errors, definitely lost {total['definite']} blocks "
      f"({total['definite_bytes']} bytes), indirectly lost {total['indirect']} blocks ({total['indirect_bytes']} bytes)",
      file=sys.stderr)
for log in bad[:10]:
    print(f"--- {log}", file=sys.stderr)
    print("\n".join(log.read_text(errors="replace").splitlines()[:60]), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF

if [ ${#unit_failed[@]} -gt 0 ] || [ $pytest_status -ne 0 ] || [ $summary_status -ne 0 ]; then
  echo "valgrind run failed: unit [${unit_failed[*]}], pytest exit $pytest_status, reports $summary_status" >&2
  exit 1
fi
echo "valgrind run clean" >&2
