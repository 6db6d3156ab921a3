"""utils.data.prepared: images shrunk once into the cache, keyed, never enlarged, in order."""

import numpy as np
from PIL import Image

from utils import env
from utils.data import prepared


def test_images_are_shrunk_once_keyed_by_size_and_never_enlarged(tmp_path, monkeypatch):
    monkeypatch.setenv(env.CACHE, str(tmp_path / "cache"))
    root = tmp_path / "lsun"
    files = []
    for i, (w, h) in enumerate([(256, 192), (40, 30), (300, 300)]):
        f = root / f"sub{i % 2}" / f"img{i}.webp"
        f.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((h, w, 3), 40 * i, np.uint8)).save(f)
        files.append(f)
    out = prepared.shrunk(files, root, 64, n_workers=0)
    assert [p.relative_to(out[0].parents[1]).as_posix() for p in out] == [
        "sub0/img0.jpg", "sub1/img1.jpg", "sub0/img2.jpg"]
    assert [Image.open(p).size for p in out] == [(85, 64), (40, 30), (64, 64)]
    stamp = out[0].stat().st_mtime_ns
    assert prepared.shrunk(files, root, 64, n_workers=0) == out
    assert out[0].stat().st_mtime_ns == stamp
    other = prepared.shrunk(files, root, 32, n_workers=0)
    assert other[0].parents[1] != out[0].parents[1] and Image.open(other[0]).size == (43, 32)
