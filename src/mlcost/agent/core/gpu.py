"""GPU signal through NVML: ``pynvml`` (nvidia-ml-py) when importable, else ctypes.

The python a lifecycle script finds on a GPU notebook rarely has nvidia-ml-py, and a
GPU box whose GPU can't be read is never stopped; so without pynvml the agent loads the
driver's ``libnvidia-ml.so.1`` itself through ctypes (stdlib) for the four calls it needs.

Three outcomes, kept distinct because they lead to different decisions:
- no GPU on this machine (no driver library, no /dev/nvidia* device): the signal is idle
  with nothing to watch;
- a GPU exists but NVML can't be loaded or read: unreadable, so the agent won't stop;
- readings: busy when any device's utilisation reaches the threshold.
"""

from __future__ import annotations

import ctypes
import glob
import os

from .signals import Reading


def _has_gpu_device() -> bool:
    return bool(glob.glob(os.environ.get("MLCOST_AGENT_GPU_DEVICE_GLOB", "/dev/nvidia[0-9]*")))


class NvmlCallError(Exception):
    """An NVML return code other than NVML_SUCCESS, from the ctypes binding."""


class _Util(ctypes.Structure):
    _fields_ = [("gpu", ctypes.c_uint), ("memory", ctypes.c_uint)]


class _Mem(ctypes.Structure):
    _fields_ = [
        ("total", ctypes.c_ulonglong),
        ("free", ctypes.c_ulonglong),
        ("used", ctypes.c_ulonglong),
    ]


class CtypesNvml:
    """The pynvml functions the sampler uses, over the driver's C library (nvml.h)."""

    NVMLError = NvmlCallError

    def __init__(self, lib: str = "libnvidia-ml.so.1") -> None:
        try:
            self.lib = ctypes.CDLL(lib)
        except OSError as err:
            raise NvmlCallError(f"cannot load {lib}: {err}") from err

    def _ok(self, rc: int) -> None:
        if rc:
            raise NvmlCallError(f"NVML return code {rc}")

    def nvmlInit(self) -> None:  # noqa: N802 - pynvml's names
        self._ok(self.lib.nvmlInit_v2())

    def nvmlDeviceGetCount(self) -> int:  # noqa: N802
        n = ctypes.c_uint()
        self._ok(self.lib.nvmlDeviceGetCount_v2(ctypes.byref(n)))
        return n.value

    def nvmlDeviceGetHandleByIndex(self, i: int) -> ctypes.c_void_p:  # noqa: N802
        h = ctypes.c_void_p()
        self._ok(self.lib.nvmlDeviceGetHandleByIndex_v2(ctypes.c_uint(i), ctypes.byref(h)))
        return h

    def nvmlDeviceGetUtilizationRates(self, h: ctypes.c_void_p) -> _Util:  # noqa: N802
        u = _Util()
        self._ok(self.lib.nvmlDeviceGetUtilizationRates(h, ctypes.byref(u)))
        return u

    def nvmlDeviceGetMemoryInfo(self, h: ctypes.c_void_p) -> _Mem:  # noqa: N802
        m = _Mem()
        self._ok(self.lib.nvmlDeviceGetMemoryInfo(h, ctypes.byref(m)))
        return m


def _load_nvml(lib: str | None = None) -> object:
    """pynvml when importable, else the ctypes binding (raises its NVMLError if no driver)."""
    try:
        import pynvml  # type: ignore[import-not-found]

        return pynvml
    except ImportError:
        return CtypesNvml(lib or os.environ.get("MLCOST_AGENT_NVML_LIB", "libnvidia-ml.so.1"))


class GpuSampler:
    """Reads utilisation and memory of every device; NVML initialised once."""

    def __init__(self, threshold_pct: float) -> None:
        self.threshold = threshold_pct
        self.nvml = None
        self.init_error: str | None = None
        self.absent = False
        try:
            nv = _load_nvml()
            nv.nvmlInit()  # type: ignore[attr-defined]
        except Exception as err:  # pynvml.NVMLError or NvmlCallError: no driver or no GPU
            if _has_gpu_device():
                self.init_error = f"NVML init failed with a GPU present: {err}"
            else:
                self.absent = True
            return
        self.nvml = nv

    def sample(self) -> Reading:
        if self.absent:
            return Reading("gpu", False, "no GPU on this machine")
        if self.nvml is None:
            return Reading("gpu", None, str(self.init_error))
        nv = self.nvml
        try:
            count = nv.nvmlDeviceGetCount()
            utils: list[int] = []
            mems: list[float] = []
            for i in range(count):
                h = nv.nvmlDeviceGetHandleByIndex(i)
                utils.append(int(nv.nvmlDeviceGetUtilizationRates(h).gpu))
                mem = nv.nvmlDeviceGetMemoryInfo(h)
                mems.append(100.0 * mem.used / mem.total if mem.total else 0.0)
        except Exception as err:  # the binding's NVMLError; any failure is "unreadable"
            return Reading("gpu", None, f"NVML read failed: {err}")
        if not utils:
            if _has_gpu_device():  # a GPU NVML does not see: blind, not idle
                return Reading("gpu", None, "NVML reports 0 devices with /dev/nvidia* present")
            return Reading("gpu", False, "NVML reports 0 devices")
        top = max(utils)
        per = ", ".join(
            f"gpu{i} {u}% util {m:.0f}% mem"
            for i, (u, m) in enumerate(zip(utils, mems))  # noqa: B905 - python < 3.10 has no strict=
        )
        return Reading(
            "gpu",
            top >= self.threshold,
            f"{per}; threshold {self.threshold:g}%",
            values={"gpu_util": float(top), "gpu_mem": max(mems)},
        )
