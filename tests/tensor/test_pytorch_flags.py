"""The device questions PyTorch programs ask: `torch.backends.*` flags and `torch.accelerator`.

Expected answers are PyTorch 2.13's on a machine without MPS, cuDNN or CUDA (/tmp/torchenv):
`torch.backends.mps.is_available()` is False, `torch.backends.cudnn.benchmark` is False, ...
"""

from __future__ import annotations

import pytest

import teachgrad as tg

pytestmark = pytest.mark.skipif(tg.cuda.is_available(), reason="these are the answers without CUDA")


def test_mps_is_neither_available_nor_built() -> None:
    assert tg.backends.mps.is_available() is False
    assert tg.backends.mps.is_built() is False


def test_cudnn_is_not_available_and_has_no_version() -> None:
    assert tg.backends.cudnn.is_available() is False
    assert tg.backends.cudnn.version() is None


def test_cudnn_flags_have_pytorchs_defaults() -> None:
    cudnn = tg.backends.cudnn
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32) == (True, False, False, True)


def test_cudnn_flags_can_be_set_as_in_pytorch_programs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tg.backends.cudnn, "benchmark", True)  # `torch.backends.cudnn.benchmark = True`
    assert tg.backends.cudnn.benchmark is True


def test_accelerator_is_not_available_without_cuda() -> None:
    assert tg.accelerator.is_available() is False
    assert tg.accelerator.device_count() == 0


def test_current_accelerator_is_none_without_cuda() -> None:
    assert tg.accelerator.current_accelerator() is None
    assert tg.accelerator.current_accelerator(check_available=True) is None


def test_the_kernel_selector_is_teachgrad_kernels_not_backends() -> None:
    assert tg.kernels.get_backend() == tg.get_backend()
    assert not hasattr(tg.backends, "set_backend")
