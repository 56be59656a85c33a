"""The firmware object cache: compiled once per content, rebuilt when a source changes, and a
compile error is one line naming the file."""

import pytest

from hetsoc.firmware import FirmwareError
from hetsoc.firmware_objects import compile_objects


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HETSOC_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "objects"


def test_objects_are_cached_per_content(tmp_path, cache):
    src = tmp_path / "f.c"
    src.write_text("int f(int a) { return a * 3; }\n")
    first = compile_objects([src], "default")
    assert [p.name for p in first] == ["00-f.o"] and first[0].read_bytes()[:4] == b"\x7fELF"
    mtime = first[0].stat().st_mtime_ns
    assert compile_objects([src], "default") == first and first[0].stat().st_mtime_ns == mtime
    src.write_text("int f(int a) { return a * 5; }\n")
    changed = compile_objects([src], "default")
    assert changed != first and len(list(cache.iterdir())) == 2


def test_a_compile_error_is_one_line(tmp_path, cache):
    src = tmp_path / "bad.c"
    src.write_text("int f(void) { return missing; }\n")
    with pytest.raises(FirmwareError) as e:
        compile_objects([src], "default")
    assert "\n" not in str(e.value) and "error:" in str(e.value)
    assert "compiling bad.c for config 'default' failed" in str(e.value)
    assert not any(p.name.startswith(".build-") for p in cache.iterdir())
