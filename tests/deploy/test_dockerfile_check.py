"""tools/check_dockerfile.py: the real Dockerfile passes, and broken copies of it fail with a message that
names what is wrong. Needs build/peon-bot (./test.sh builds it first)."""
import importlib.util
import pathlib
import re
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
CHECKER = REPO / "tools" / "check_dockerfile.py"
BINARY = REPO / "build" / "peon-bot"
DOCKERFILE = (REPO / "Dockerfile").read_text()

pytestmark = pytest.mark.skipif(not BINARY.exists(), reason="build/peon-bot is not built (run ./test.sh)")

_spec = importlib.util.spec_from_file_location("check_dockerfile", CHECKER)
checker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(checker)


def check(tmp_path, capsys, text, *options):
    """Runs the checker in this process (its apt-cache answers are kept between tests, which is what makes
    these fast); returns (exit status, stderr)."""
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    capsys.readouterr()
    status = checker.main(["--dockerfile", str(path), "--binary", str(BINARY), *options])
    return status, capsys.readouterr().err


def broken(pattern, replacement):
    """The Dockerfile with the first match of `pattern` replaced; fails if the pattern no longer matches."""
    text, count = re.subn(pattern, replacement, DOCKERFILE, count=1, flags=re.S)
    assert count == 1, f"the Dockerfile no longer contains {pattern!r}: update this test"
    return text


def test_the_dockerfile_passes_with_cmake_configuring_the_copied_context():
    # As ./test.sh runs it: a separate process, CMake configured from what the build stage copies.
    result = subprocess.run(["/usr/bin/python3", str(CHECKER), "--binary", str(BINARY)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Dockerfile OK" in result.stderr


def test_a_runtime_library_removed_is_named_with_the_library_it_provides(tmp_path, capsys):
    status, err = check(tmp_path, capsys, broken(r"\bliblua5\.4-0 ", ""), "--no-configure")
    assert status == 1
    assert "does not install liblua5.4-0, which provides liblua5.4.so.0" in err
    assert re.search(r"Dockerfile:\d+: ", err)


def test_the_dlopened_libuv_plugin_is_required(tmp_path, capsys):
    status, err = check(tmp_path, capsys, broken(r"\blibwebsockets-evlib-uv ", ""), "--no-configure")
    assert status == 1
    assert "libwebsockets-evlib-uv, which provides libwebsockets-evlib_uv.so" in err


def test_time_zones_are_required(tmp_path, capsys):
    status, err = check(tmp_path, capsys, broken(r"ca-certificates tzdata", "ca-certificates"), "--no-configure")
    assert status == 1
    assert "does not install tzdata" in err and "zoneinfo" in err


def test_a_package_the_binary_does_not_need_is_refused(tmp_path, capsys):
    status, err = check(tmp_path, capsys, broken(r"ca-certificates tzdata", "ca-certificates tzdata curl"), "--no-configure")
    assert status == 1
    assert "installs curl, which provides nothing" in err


def test_a_build_that_differs_from_run_sh_is_refused(tmp_path, capsys):
    status, err = check(tmp_path, capsys, broken(r"-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DCMAKE_BUILD_TYPE=Debug"),
                        "--no-configure")
    assert status == 1
    assert "but run.sh builds `build -DCMAKE_BUILD_TYPE=RelWithDebInfo`" in err


def test_a_build_package_unknown_to_apt_is_named(tmp_path, capsys):
    status, err = check(tmp_path, capsys, broken(r"(RUN bash tools/bootstrap.sh build)",
                                         r"RUN apt-get install -y libnot-a-package-dev\n\1"), "--no-configure")
    assert status == 1
    assert "installs libnot-a-package-dev, which apt-cache does not know" in err


def test_a_missing_copy_of_build_input_is_found(tmp_path, capsys):
    status, err = check(tmp_path, capsys, broken(r"COPY vendor vendor\n", ""), "--no-configure")
    assert status == 1
    assert "the build reads vendor/deps.cmake" in err


def test_running_as_root_is_refused(tmp_path, capsys):
    status, err = check(tmp_path, capsys, broken(r"USER peon", "USER root"), "--no-configure")
    assert status == 1
    assert "non-root user" in err


def test_the_scripts_must_be_copied_to_usr_share(tmp_path, capsys):
    status, err = check(tmp_path, capsys, broken(r"COPY --from=build \S+/scripts /usr/share/peon-bot/scripts\n", ""),
                        "--no-configure")
    assert status == 1
    assert "does not copy the scripts to /usr/share/peon-bot/scripts" in err


def test_a_healthcheck_that_ignores_the_heartbeat_is_refused(tmp_path, capsys):
    status, err = check(tmp_path, capsys, broken(r'CMD \["/bin/sh".*?\n', 'CMD ["true"]\n'), "--no-configure")
    assert status == 1
    assert "HEALTHCHECK calls the container healthy with a heartbeat five minutes old" in err
