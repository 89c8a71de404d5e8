"""The type information shipped in the wheel: mypy --strict accepts typed app
code (tests/typed_usage.py and the examples), rejects wrong calls, and the
stub (sealkit/__init__.pyi) matches the installed package (mypy.stubtest)."""

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples"


def mypy(tmp_path, *files):
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), *map(str, files)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )


@pytest.fixture(scope="module")
def shared_tmp(tmp_path_factory):
    return tmp_path_factory.mktemp("mypy")


def test_typed_app_code_and_the_examples_pass_mypy_strict(shared_tmp):
    result = mypy(shared_tmp, HERE / "typed_usage.py", *sorted(EXAMPLES.glob("*.py")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_typed_usage_runs_against_the_installed_package(tmp_path):
    result = subprocess.run([sys.executable, str(HERE / "typed_usage.py")], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_mypy_strict_rejects_a_wrong_argument_a_wrong_result_and_an_unknown_error_kind(shared_tmp):
    wrong = shared_tmp / "wrong_usage.py"
    wrong.write_text(
        "from sealkit import SealkitClient, SealkitError\n"
        "def main() -> None:\n"
        "    alice = SealkitClient.open_in_memory('alice', 'phone')\n"
        "    envelope: str = alice.encrypt(alice.address(), None, b'hi')\n"
        "    alice.encrypt(alice.address(), None, 'not bytes')\n"
        "    try:\n"
        "        alice.close()\n"
        "    except SealkitError.NoSuchKind:\n"
        "        pass\n"
    )
    result = mypy(shared_tmp, wrong)
    assert result.returncode == 1
    for code in ("[assignment]", "[arg-type]", "[attr-defined]"):
        assert code in result.stdout, result.stdout


def test_the_stub_matches_the_installed_package(tmp_path):
    # The generated module has no stub of its own (its annotations are the
    # types): stubtest compares only the package's stub with the runtime.
    allowlist = tmp_path / "allowlist.txt"
    allowlist.write_text("sealkit\\.sealkit_ffi(\\..*)?\n")
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n[mypy-sealkit.sealkit_ffi.*]\nignore_errors = True\n")
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "sealkit", "--allowlist", str(allowlist),
         "--mypy-config-file", str(config), "--concise"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
