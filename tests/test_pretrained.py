"""Pretrained-weights detection: the cache decides, and a failed download falls back quietly."""

from torchvision.models import ResNet18_Weights

from utils import pretrained


def test_cached_weights_are_found(tmp_path, monkeypatch):
    monkeypatch.setattr(pretrained.torch.hub, "get_dir", lambda: str(tmp_path))
    weights = ResNet18_Weights.IMAGENET1K_V1
    assert not pretrained.pretrained_available(weights)
    path = pretrained.cached_weights_path(weights)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    assert pretrained.pretrained_available(weights)


def test_a_failed_download_says_so_and_returns_false(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pretrained.torch.hub, "get_dir", lambda: str(tmp_path))

    class Unreachable:
        url = "https://example.invalid/w.pth"

        def get_state_dict(self, progress):
            raise OSError("no network")

        def __str__(self):
            return "Unreachable.W"

    assert not pretrained.pretrained_available(Unreachable(), try_download=True)
    assert "could not download Unreachable.W (OSError)" in capsys.readouterr().out
    assert not pretrained.pretrained_available(Unreachable(), try_download=False)
