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


def test_a_stalled_weights_download_gives_up_with_the_usual_message(tmp_path, monkeypatch, capsys):
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()  # accepts, never answers
    monkeypatch.setattr(pretrained.torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setattr(pretrained, "DOWNLOAD_TIMEOUT_S", 1.0)

    class Silent:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/w.pth"

        def get_state_dict(self, progress):
            return pretrained.torch.hub.load_state_dict_from_url(self.url, progress=progress)

        def __str__(self):
            return "Silent.W"

    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(
        pretrained.pretrained_available(Silent(), try_download=True)), daemon=True)
    thread.start()
    thread.join(timeout=60)  # a hang is the failure this test is about
    server.close()
    assert not thread.is_alive(), "the download hangs"
    assert outcome == [False]
    assert "could not download Silent.W (no answer for 1 s): using random weights" in \
        capsys.readouterr().out
