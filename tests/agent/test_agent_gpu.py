"""GPU signal with NVML faked at the library boundary (pynvml's functions), no GPU needed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pynvml
import pytest

from mlcost.agent.core.config import AgentConfig
from mlcost.agent.core.gpu import GpuSampler
from mlcost.agent.core.runner import Agent
from mlcost.agent.core.signals import Reading
from mlcost.agent.core.target import Target


def _fake_nvml(
    monkeypatch: pytest.MonkeyPatch, utils: list[int], used_total: list[tuple[int, int]]
) -> None:
    monkeypatch.setattr(pynvml, "nvmlInit", lambda: None)
    monkeypatch.setattr(pynvml, "nvmlDeviceGetCount", lambda: len(utils))
    monkeypatch.setattr(pynvml, "nvmlDeviceGetHandleByIndex", lambda i: i)
    monkeypatch.setattr(
        pynvml, "nvmlDeviceGetUtilizationRates", lambda h: SimpleNamespace(gpu=utils[h], memory=0)
    )
    monkeypatch.setattr(
        pynvml,
        "nvmlDeviceGetMemoryInfo",
        lambda h: SimpleNamespace(used=used_total[h][0], total=used_total[h][1], free=0),
    )


def test_busiest_device_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_nvml(monkeypatch, [0, 42], [(1 << 30, 16 << 30), (8 << 30, 16 << 30)])
    r = GpuSampler(threshold_pct=5).sample()
    assert r.busy is True
    assert r.values["gpu_util"] == 42.0
    assert r.values["gpu_mem"] == 50.0  # 8 GiB of 16 GiB
    assert "gpu1 42% util 50% mem" in r.detail


def test_below_threshold_is_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_nvml(monkeypatch, [4, 0], [(0, 16 << 30), (0, 16 << 30)])
    r = GpuSampler(threshold_pct=5).sample()
    assert r.busy is False and r.values["gpu_util"] == 4.0


def test_no_driver_and_no_device_means_nothing_to_watch(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def fail() -> None:
        raise pynvml.NVMLError(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND)

    monkeypatch.setattr(pynvml, "nvmlInit", fail)
    monkeypatch.setenv("MLCOST_AGENT_GPU_DEVICE_GLOB", str(tmp_path / "nvidia[0-9]*"))
    r = GpuSampler(5).sample()
    assert r.busy is False and "no GPU" in r.detail and "gpu_util" not in r.values


def test_device_present_but_nvml_broken_is_unreadable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def fail() -> None:
        raise pynvml.NVMLError(pynvml.NVML_ERROR_DRIVER_NOT_LOADED)

    (tmp_path / "nvidia0").touch()
    monkeypatch.setattr(pynvml, "nvmlInit", fail)
    monkeypatch.setenv("MLCOST_AGENT_GPU_DEVICE_GLOB", str(tmp_path / "nvidia[0-9]*"))
    r = GpuSampler(5).sample()
    assert r.busy is None and "NVML init failed with a GPU present" in r.detail


def test_read_error_after_init_is_unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_nvml(monkeypatch, [0], [(0, 1)])

    def lost(h: int) -> None:
        raise pynvml.NVMLError(pynvml.NVML_ERROR_GPU_IS_LOST)

    monkeypatch.setattr(pynvml, "nvmlDeviceGetUtilizationRates", lost)
    assert GpuSampler(5).sample().busy is None


def test_gpu_busy_kernel_idle_machine_is_not_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A training script in a terminal keeps the GPU at 90% while every kernel is idle."""
    _fake_nvml(monkeypatch, [90], [(30 << 30, 80 << 30)])
    t0 = datetime.now(UTC)
    times = iter([t0 + timedelta(minutes=10 * i) for i in range(50)])
    jup = Reading("jupyter", False, "1 kernel(s), 0 busy", last_active=t0 - timedelta(days=1))
    stops: list[str] = []

    class Api:
        via = "fake"

        def stop_notebook_instance(self, name: str) -> None:
            stops.append(name)

        def put_metric_data(self, ns: str, data: list) -> None:
            pass

    cfg = AgentConfig(signals=("jupyter", "gpu"), max_samples=20)
    agent = Agent(
        cfg,
        clock=lambda: next(times),
        sleep=lambda s: None,
        samplers=[("jupyter", lambda: jup), ("gpu", GpuSampler(cfg.gpu_threshold).sample)],
        api=Api(),  # type: ignore[arg-type]
        target=Target("notebook", "us-east-1", {"NotebookInstanceName": "nb"}),
    )
    agent.run()  # 20 samples over 3 h 10 min
    assert stops == [] and not agent.stopped


FAKE_NVML_C = r"""
/* A stand-in libnvidia-ml with nvml.h's signatures: 2 GPUs, gpu1 at 73% and 6 of 24 GiB. */
typedef struct { unsigned int gpu; unsigned int memory; } nvmlUtilization_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef void *nvmlDevice_t;
static int devs[2];
int nvmlInit_v2(void) { return 0; }
int nvmlDeviceGetCount_v2(unsigned int *n) { *n = 2; return 0; }
int nvmlDeviceGetHandleByIndex_v2(unsigned int i, nvmlDevice_t *h) {
    if (i > 1) return 2; /* NVML_ERROR_INVALID_ARGUMENT */
    *h = &devs[i]; return 0;
}
int nvmlDeviceGetUtilizationRates(nvmlDevice_t h, nvmlUtilization_t *u) {
    u->gpu = (h == &devs[1]) ? 73 : 0; u->memory = 0; return 0;
}
int nvmlDeviceGetMemoryInfo(nvmlDevice_t h, nvmlMemory_t *m) {
    m->total = 24ULL << 30; m->used = (h == &devs[1]) ? (6ULL << 30) : 0; m->free = m->total - m->used; return 0;
}
"""


@pytest.fixture
def fake_libnvml(tmp_path: Path) -> str:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("needs a C compiler to build the fake NVML library")
    src, lib = tmp_path / "nvml.c", tmp_path / "libnvidia-ml.so.1"
    src.write_text(FAKE_NVML_C)
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    return str(lib)


def test_ctypes_binding_when_pynvml_is_missing(
    monkeypatch: pytest.MonkeyPatch, fake_libnvml: str
) -> None:
    """No nvidia-ml-py in the agent's python: the driver library is read through ctypes."""
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import pynvml -> ImportError
    monkeypatch.setenv("MLCOST_AGENT_NVML_LIB", fake_libnvml)
    r = GpuSampler(threshold_pct=5).sample()
    assert r.busy is True
    assert r.values == {"gpu_util": 73.0, "gpu_mem": 25.0}  # 6 GiB of 24 GiB
    assert "gpu0 0% util 0% mem, gpu1 73% util 25% mem" in r.detail


def test_no_pynvml_and_no_driver_library(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)
    monkeypatch.setenv("MLCOST_AGENT_NVML_LIB", str(tmp_path / "missing.so"))
    monkeypatch.setenv("MLCOST_AGENT_GPU_DEVICE_GLOB", str(tmp_path / "nvidia[0-9]*"))
    assert GpuSampler(5).sample().busy is False  # no device either: nothing to watch
    (tmp_path / "nvidia0").touch()
    r = GpuSampler(5).sample()
    assert r.busy is None and "cannot load" in r.detail and "GPU present" in r.detail


def test_zero_devices_with_a_gpu_device_file_is_unreadable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """NVML that sees no device on a machine with /dev/nvidia0 is blind, not idle."""
    _fake_nvml(monkeypatch, [], [])
    monkeypatch.setenv("MLCOST_AGENT_GPU_DEVICE_GLOB", str(tmp_path / "nvidia[0-9]*"))
    assert GpuSampler(5).sample().busy is False  # no device file: truly no GPU
    (tmp_path / "nvidia0").touch()
    r = GpuSampler(5).sample()
    assert r.busy is None and "0 devices" in r.detail
