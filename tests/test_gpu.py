"""utils.gpu on a CPU: what the GPU branch of each setting does, observed without a GPU."""

import torch

from utils import gpu, presets

FULL = {"num_workers": 8, "mixed_precision": True, "cudnn_benchmark": True}
CPU = {"num_workers": 0, "mixed_precision": False, "cudnn_benchmark": False}


def test_loaders_pin_memory_only_with_cuda(monkeypatch):
    assert gpu.loaders(CPU) == {"num_workers": 0, "pin_memory": torch.cuda.is_available()}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert gpu.loaders(FULL) == {"num_workers": 8, "pin_memory": True}


def test_a_worker_process_starts_no_loader_workers_of_its_own():
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(1) as pool:  # a daemonic worker, as in there
        assert pool.apply(gpu.loaders, (FULL,))["num_workers"] == 0
    assert gpu.loaders(FULL)["num_workers"] == 8


def test_cudnn_benchmarks_on_full_and_set_seed_keeps_it():
    try:
        gpu.configure(FULL)
        presets.set_seed(1)
        assert torch.backends.cudnn.benchmark and not torch.backends.cudnn.deterministic
        gpu.configure(CPU)
        presets.set_seed(1)
        assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
    finally:
        presets.set_deterministic(True)


class FakeLearner:
    def to_bf16(self):
        return "bf16"

    def to_fp16(self):
        return "fp16"


def test_mixed_precision_is_bf16_where_the_gpu_has_it_else_fp16_and_never_on_a_cpu(monkeypatch):
    learn = FakeLearner()
    assert gpu.mixed_precision(learn, FULL) is learn or torch.cuda.is_available()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert gpu.mixed_precision(learn, FULL) == "bf16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert gpu.mixed_precision(learn, FULL) == "fp16"
    assert gpu.mixed_precision(learn, CPU) is learn


def test_the_doctor_names_both_cuda_versions_and_what_to_install(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.version, "cuda", "13.0")
    advice = gpu.doctor(found=lambda: ("535.104", "12.2"))
    first, second = advice.splitlines()
    assert "driver 535.104 supports CUDA 12.2" in first and "built for CUDA 13.0" in first
    assert "580 or newer" in second and "whl/cu122" in second
    assert gpu.doctor(found=lambda: None) is None  # no GPU: nothing to say
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert gpu.doctor(found=lambda: ("580.1", "13.0")) is None


def test_nvidia_smi_output_is_read(monkeypatch):
    smi = "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2     |"
    monkeypatch.setattr(gpu.shutil, "which", lambda name: "/usr/bin/nvidia-smi")
    monkeypatch.setattr(gpu.subprocess, "run",
                        lambda *a, **k: type("Done", (), {"stdout": smi})())
    assert gpu.driver_cuda() == ("535.104.05", "12.2")
