"""The real NVML path; runs only where ``pynvml.nvmlInit()`` succeeds (a GPU and driver).

On a GPU box: ``.venv/bin/pytest tests/agent/test_agent_gpu_real.py -v`` (also checks the
ctypes NVML binding the embedded agent falls back to).
"""

from __future__ import annotations

import pytest

pynvml = pytest.importorskip("pynvml")

try:
    pynvml.nvmlInit()
    _COUNT = pynvml.nvmlDeviceGetCount()
except pynvml.NVMLError as err:  # no driver / no GPU here
    pytest.skip(f"no usable NVML: {err}", allow_module_level=True)

from mlcost.agent.core.gpu import GpuSampler  # noqa: E402

pytestmark = pytest.mark.gpu


def test_reads_every_device() -> None:
    r = GpuSampler(threshold_pct=5).sample()
    assert r.busy is not None, r.detail
    assert r.detail.count("% util") == _COUNT
    assert 0.0 <= r.values["gpu_util"] <= 100.0
    assert 0.0 <= r.values["gpu_mem"] <= 100.0


def test_threshold_above_100_is_never_busy() -> None:
    assert GpuSampler(threshold_pct=101).sample().busy is False


def test_ctypes_binding_agrees_with_pynvml() -> None:
    """The fallback used when the agent's python lacks nvidia-ml-py, on the real driver."""
    from mlcost.agent.core.gpu import CtypesNvml

    nv = CtypesNvml()
    nv.nvmlInit()
    assert nv.nvmlDeviceGetCount() == _COUNT
    for i in range(_COUNT):
        h, ref = nv.nvmlDeviceGetHandleByIndex(i), pynvml.nvmlDeviceGetHandleByIndex(i)
        assert nv.nvmlDeviceGetMemoryInfo(h).total == pynvml.nvmlDeviceGetMemoryInfo(ref).total
        assert 0 <= nv.nvmlDeviceGetUtilizationRates(h).gpu <= 100
