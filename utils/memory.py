"""Measure what a training step costs in memory: bytes saved for backward, peak memory."""

from __future__ import annotations

import copy
import ctypes
import weakref
from collections.abc import Callable

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten


def _storage_key(t: torch.Tensor) -> tuple:
    st = t.untyped_storage()
    return (t.device.type, t.device.index, st.data_ptr(), st.nbytes())


def saved_tensor_bytes(fn: Callable[[], torch.Tensor], exclude: list[torch.Tensor] = ()) -> int:
    """Bytes of the tensors autograd keeps for the backward pass while `fn()` runs.

    Each storage counts once however many operations save it (a ReLU's output that the next
    convolution also saves is one tensor in memory), and the tensors in `exclude` (a model's
    parameters, which the convolutions save too but which exist anyway) are not counted.
    The graph is freed before returning.
    """
    skip = {_storage_key(t) for t in exclude}
    saved: dict[tuple, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        key = _storage_key(t)
        if key not in skip:
            saved[key] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = fn()
    del out
    return sum(saved.values())


def saved_bytes_per_sample(model: nn.Module, sample_shape: tuple[int, ...], batch_size: int = 8,
                           device: str | torch.device = "cpu") -> float:
    """Activation bytes kept for backward per input sample, for `model` in training mode.

    Measured at `batch_size` and at twice that, so that what does not grow with the batch
    (batchnorm's per-channel statistics) drops out: (bytes(2B) - bytes(B)) / B. An exact count of
    tensor sizes, the same on any device. The model is copied, so its batchnorm statistics are
    left as they were.
    """
    model = copy.deepcopy(model).to(device).train()
    exclude = [*model.parameters(), *model.buffers()]

    def at(bs: int) -> int:
        x = torch.randn(bs, *sample_shape, device=device)
        return saved_tensor_bytes(lambda: model(x), exclude)

    return (at(2 * batch_size) - at(batch_size)) / batch_size


class PeakTensorMemory(TorchDispatchMode):
    """Context manager tracking the bytes of live tensors created inside it, and their peak.

    Every tensor an operation returns is followed until it is freed, so `peak` is the most tensor
    memory the code inside held at once beyond what existed before (inputs, parameters), on any
    device. Read `.peak` (and `.current`) after the block.
    """

    def __init__(self) -> None:
        super().__init__()
        self.current = 0
        self.peak = 0
        self._live: dict[int, weakref.ref] = {}

    def _freed(self, key: int, nbytes: int) -> None:
        if self._live.pop(key, None) is not None:
            self.current -= nbytes

    def _track(self, t: torch.Tensor) -> None:
        st = t.untyped_storage()
        key = id(st)
        ref = self._live.get(key)
        if ref is not None and ref() is st:
            return  # a view of a storage we already count
        nbytes = st.nbytes()
        self._live[key] = weakref.ref(st, lambda _, k=key, n=nbytes: self._freed(k, n))
        self.current += nbytes
        self.peak = max(self.peak, self.current)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        inputs = {id(t.untyped_storage()) for t in tree_flatten((args, kwargs))[0]
                  if isinstance(t, torch.Tensor)}
        for t in tree_flatten(out)[0]:
            if isinstance(t, torch.Tensor) and id(t.untyped_storage()) not in inputs:
                self._track(t)  # in-place results and views share their input's storage
        return out


def peak_tensor_bytes(fn: Callable[[], object]) -> int:
    """Most tensor memory `fn()` holds at once beyond what existed before (see PeakTensorMemory)."""
    with PeakTensorMemory() as tracker:
        fn()
    return tracker.peak


def _status_bytes(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def _glibc_returns_freed_blocks(libc: ctypes.CDLL, on: bool) -> None:
    """On: glibc hands every freed block of 64 KiB or more straight back to the OS, so the resident
    memory follows the live tensors instead of keeping old peaks (but each allocation is slower).
    Off: large thresholds again (glibc's own upper limits), for speed."""
    libc.mallopt(-3, 64 * 1024 if on else 32 * 2**20)  # M_MMAP_THRESHOLD
    libc.mallopt(-1, 128 * 1024 if on else 64 * 2**20)  # M_TRIM_THRESHOLD
    if on:
        libc.malloc_trim(0)


def peak_process_memory(fn: Callable[[], object]) -> tuple[int, int] | None:
    """(resident memory before, peak resident memory while `fn()` ran), in bytes, for this process.

    Linux with glibc only (it resets the kernel's high-water mark in /proc/self/clear_refs); None
    elsewhere. Unlike `peak_tensor_bytes` this includes everything the process holds: the imported
    libraries, the allocator's slack, the kernels' workspaces; it varies a little between runs.
    While `fn()` runs, glibc returns freed memory to the OS at once, so that an earlier, larger
    step does not hide this one's memory in blocks the allocator kept.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        _glibc_returns_freed_blocks(libc, True)
        before = _status_bytes("VmRSS")
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM to the current resident size
    except (OSError, AttributeError):  # no /proc (not Linux) or no glibc
        return None
    try:
        fn()
        return before, _status_bytes("VmHWM")
    finally:
        _glibc_returns_freed_blocks(libc, False)
