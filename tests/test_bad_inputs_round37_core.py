"""Thirty-seventh round, core: the C++ loops' first build with standard streams closed, ... (K37-NN rows of
docs/bad_inputs.md). Each test fails on the commit before its fix."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rnnkit.kernels import cpu_gru


@pytest.mark.parametrize("closed", [("stdout",), ("stderr",), ("stdout", "stderr")])
def test_K37_01_a_build_with_standard_streams_closed_reaches_the_compiler(closed, tmp_path, monkeypatch):
    """``rnnkit predict m d.csv >&-``: sys.stdout is None, which torch's build flushes before running ninja. Ninja
    here is a stand-in that fails at once (a real build takes 30 s): the build must reach it, with streams."""
    from torch.utils import cpp_extension

    if not cpp_extension.is_ninja_available():
        pytest.skip("ninja is not installed")
    seen, run = [], subprocess.run

    def ninja(command, *args, **kwargs):  # torch's _run_ninja_build calls subprocess.run(["ninja", "-v", ...])
        if list(command[:2]) != ["ninja", "-v"]:
            return run(command, *args, **kwargs)  # `ninja --version`: is it installed
        seen.append((sys.stdout, sys.stderr))
        raise subprocess.CalledProcessError(1, command, output=b"stand-in ninja: stopped before compiling")

    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path))
    monkeypatch.setattr(cpp_extension.subprocess, "run", ninja)
    for name in closed:
        monkeypatch.setattr(sys, name, None)
    ok, reason = cpu_gru.build_extension("rnnkit_k37_streams", "int k37() { return 1; }", "a probe extension")
    assert (ok, len(seen)) == (False, 1), reason  # was AttributeError: 'NoneType' object has no attribute 'flush'
    assert all(stream is not None for stream in seen[0])
    assert reason.startswith("building a probe extension failed")
    assert all(getattr(sys, name) is None for name in closed)  # given back as they were
