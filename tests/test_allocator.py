import os
import subprocess
import sys

import pytest

from camels_lstm.training import allocator


def test_system_mode_changes_nothing():
    assert allocator.allocator_environment("system") == {}


def test_glibc_mode_stops_mmap_and_trimming_and_keeps_user_tunables():
    env = allocator.allocator_environment("glibc", {"GLIBC_TUNABLES": "glibc.foo=1"})
    assert env["GLIBC_TUNABLES"].startswith("glibc.foo=1:")
    assert "glibc.malloc.mmap_max=0" in env["GLIBC_TUNABLES"]
    assert "trim_threshold" in env["GLIBC_TUNABLES"]
    assert "LD_PRELOAD" not in env


def test_auto_prefers_jemalloc_and_falls_back_to_glibc(monkeypatch, tmp_path):
    library = tmp_path / "lib" / "libjemalloc.so.2"
    library.parent.mkdir()
    library.write_bytes(b"")
    env = allocator.allocator_environment("auto", {"CONDA_PREFIX": str(tmp_path)})
    assert env["LD_PRELOAD"] == str(library)
    assert env["MALLOC_CONF"] == "dirty_decay_ms:-1,muzzy_decay_ms:-1"
    monkeypatch.setattr(allocator, "jemalloc_library", lambda environ=None: None)
    assert allocator.allocator_environment("auto", {})[allocator.MARKER] == "glibc"
    with pytest.raises(FileNotFoundError, match="libjemalloc"):
        allocator.allocator_environment("jemalloc", {})
    with pytest.raises(ValueError, match=r"training\.allocator"):
        allocator.allocator_environment("tcmalloc", {})


def test_script_is_re_executed_once_with_the_setting(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(
        "import os\n"
        "from camels_lstm.training.allocator import use_tuned_allocator\n"
        "print(use_tuned_allocator('glibc'), os.environ.get('GLIBC_TUNABLES', ''))\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != allocator.MARKER}
    environment["PYTHONPATH"] = os.pathsep.join(sys.path)
    output = subprocess.run(
        [sys.executable, str(script)], env=environment, capture_output=True, text=True, check=True
    ).stdout
    assert output.count("glibc") >= 1 and len(output.splitlines()) == 1
    assert "mmap_max=0" in output
