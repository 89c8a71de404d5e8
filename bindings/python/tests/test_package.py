"""The package under test is the installed wheel: a platform wheel holding
the generated module, the native library and the type information."""

import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import sealkit
from sealkit.sealkit_ffi import sealkit_ffi


def test_sealkit_is_imported_from_the_venvs_site_packages_not_the_source_tree():
    assert sys.prefix != sys.base_prefix, "the tests run in a virtual environment"
    site_packages = {Path(sysconfig.get_paths()[name]).resolve() for name in ("purelib", "platlib")}
    location = Path(sealkit.__file__).resolve()
    assert any(location.is_relative_to(directory) for directory in site_packages), location
    assert Path(sys.prefix).resolve() in location.parents


def test_the_wheel_is_a_platform_wheel_with_the_library_and_the_type_information():
    wheel = metadata.distribution("sealkit").read_text("WHEEL")
    tags = [line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")]
    assert tags and all(not tag.endswith("-any") for tag in tags), tags
    assert "Root-Is-Purelib: false" in wheel
    package = Path(sealkit.__file__).parent
    for shipped in ("py.typed", "__init__.pyi", "sealkit_ffi/sealkit_ffi.py"):
        assert (package / shipped).is_file(), shipped
    libraries = [p.name for p in (package / "sealkit_ffi").iterdir() if "sealkit_ffi." in p.name]
    assert any(name.endswith((".so", ".dylib", ".dll")) for name in libraries), libraries


def test_every_public_name_of_the_generated_module_is_exported_by_the_package():
    generated = {name for name in sealkit_ffi.__all__ if not name.endswith("Protocol")}
    assert generated <= set(sealkit.__all__), generated - set(sealkit.__all__)
    for name in sealkit.__all__:
        assert getattr(sealkit, name) is getattr(sealkit_ffi, name)


def test_each_error_kind_is_a_subclass_of_sealkit_error_with_a_message():
    kinds = [value for value in vars(sealkit.SealkitError).values() if isinstance(value, type)]
    assert len(kinds) >= 29
    for kind in kinds:
        assert issubclass(kind, sealkit.SealkitError)
        assert kind("details").message == "details"
    assert not issubclass(sealkit.InternalError, sealkit.SealkitError)
