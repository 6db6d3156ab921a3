"""Offline LSUN bedrooms: procedurally drawn bedroom scenes in the layout of `URLs.LSUN_BEDROOMS`
(one folder of JPEG images, nested in sub-folders named by the first characters of each file name).

Each scene is a room in one-point perspective, seen from a random viewpoint: walls, floor and
ceiling, a bed against the back wall (headboard, sheet, cover, pillows), a window, a bedside table
with a lamp, a picture and a rug, in random colours under random lighting. It is drawn at twice the
size and downsampled, so edges are smooth like a photo's.
"""

from __future__ import annotations

import colorsys
import hashlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

DESCRIPTION = "3,000 procedurally drawn 64x64 bedroom scenes (bed, window, lamp, picture, rug)"
VERSION = 1
N_IMAGES = 3000  # scenes in the default build
SIZE = 64  # pixels per side, LSUN bedrooms' usual training size in the lesson
SEED = 0  # with the image index, fixes every scene, so two builds are byte-identical
SUPERSAMPLE = 2  # drawn at this multiple of SIZE, then downsampled (anti-aliasing)


def build(dest: Path, n: int = N_IMAGES, size: int = SIZE) -> None:
    """Write `n` scenes as `<a>/<b>/<name>.jpg` under `dest` (`name` a hash of the scene index)."""
    dest = Path(dest)
    for i in range(n):
        name = hashlib.sha1(f"lsun-bedroom-standin-{SEED}-{i}".encode()).hexdigest()[:20]
        folder = dest / name[0] / name[1]
        folder.mkdir(parents=True, exist_ok=True)
        draw_bedroom(np.random.default_rng([SEED, i]), size).save(
            folder / f"{name}.jpg", quality=92, optimize=False)


# --- drawing --------------------------------------------------------------------------------------


def _rgb(h: float, s: float, v: float) -> np.ndarray:
    return np.array(colorsys.hsv_to_rgb(h % 1.0, min(max(s, 0), 1), min(max(v, 0), 1)))


class _Room:
    """A camera looking down +Z into a box room: X across, Y up (floor at 0), Z away."""

    def __init__(self, rng, px: int):
        self.px = px
        self.width = rng.uniform(3.2, 4.4)  # room width (metres, roughly)
        self.height = rng.uniform(2.4, 2.8)
        self.depth = rng.uniform(3.6, 5.0)  # distance from the camera to the back wall
        self.cam_x = rng.uniform(-0.7, 0.7) * self.width / 4  # viewpoint: left/right...
        self.cam_y = rng.uniform(1.2, 1.7)  # ...and eye height
        self.focal = px * rng.uniform(0.75, 0.95)  # field of view
        self.shift_y = rng.uniform(-0.06, 0.06) * px  # camera tilted a little up or down

    def project(self, points) -> list[tuple[float, float]]:
        out = []
        for x, y, z in points:
            z = max(z, 0.05)
            out.append((self.px / 2 + self.focal * (x - self.cam_x) / z,
                        self.px / 2 + self.shift_y - self.focal * (y - self.cam_y) / z))
        return out


def _fill(draw, room, points, color, light=1.0):
    draw.polygon(room.project(points), fill=tuple(int(c) for c in
                                                  np.clip(color * light * 255, 0, 255)))


def _box(draw, room, x0, x1, y0, y1, z0, z1, color, light):
    """The faces of a box that the camera sees: top, front, and the side toward the camera."""
    if room.cam_x < x0:
        _fill(draw, room, [(x0, y0, z0), (x0, y1, z0), (x0, y1, z1), (x0, y0, z1)], color,
              light * 0.75)
    elif room.cam_x > x1:
        _fill(draw, room, [(x1, y0, z0), (x1, y1, z0), (x1, y1, z1), (x1, y0, z1)], color,
              light * 0.75)
    if room.cam_y > y1:
        _fill(draw, room, [(x0, y1, z0), (x1, y1, z0), (x1, y1, z1), (x0, y1, z1)], color,
              light * 1.1)
    _fill(draw, room, [(x0, y0, z0), (x1, y0, z0), (x1, y1, z0), (x0, y1, z0)], color, light * 0.9)


def draw_bedroom(rng: np.random.Generator, size: int = SIZE) -> Image.Image:
    """One bedroom scene, every choice drawn from `rng`."""
    px = size * SUPERSAMPLE
    room = _Room(rng, px)
    W, H, D = room.width / 2, room.height, room.depth
    light = rng.uniform(0.55, 1.05)  # overall brightness
    tint = 1 + rng.uniform(-0.08, 0.08) * np.array([1, 0.2, -1])  # warm or cool light
    img = Image.new("RGB", (px, px))
    draw = ImageDraw.Draw(img)

    wall = _rgb(rng.uniform(0, 1), rng.uniform(0.05, 0.45), rng.uniform(0.6, 0.95)) * tint
    floor = _rgb(rng.uniform(0.05, 0.12), rng.uniform(0.3, 0.7), rng.uniform(0.25, 0.6)) * tint
    if rng.random() < 0.3:  # carpet instead of wood
        floor = _rgb(rng.uniform(0, 1), rng.uniform(0.1, 0.4), rng.uniform(0.3, 0.7)) * tint
    ceiling = np.full(3, rng.uniform(0.8, 0.95)) * tint
    window_left = rng.random() < 0.5
    side = (0.8, 0.95) if window_left else (0.95, 0.8)  # the wall with the window is the darker
    near = 0.05
    _fill(draw, room, [(-W, H, near), (W, H, near), (W, H, D), (-W, H, D)], ceiling, light)
    _fill(draw, room, [(-W, 0, near), (W, 0, near), (W, 0, D), (-W, 0, D)], floor, light)
    _fill(draw, room, [(-W, 0, near), (-W, H, near), (-W, H, D), (-W, 0, D)], wall, light * side[0])
    _fill(draw, room, [(W, 0, near), (W, H, near), (W, H, D), (W, 0, D)], wall, light * side[1])
    _fill(draw, room, [(-W, 0, D), (W, 0, D), (W, H, D), (-W, H, D)], wall, light)
    if floor[0] > floor[2] and rng.random() < 0.7:  # floorboards
        for z in np.arange(0.8, D, rng.uniform(0.25, 0.4)):
            line = room.project([(-W, 0, z), (W, 0, z)])
            draw.line(line, fill=tuple(int(c) for c in np.clip(floor * light * 200, 0, 255)),
                      width=1)

    # window on a side wall: sky, frame and a cross bar
    wx = -W if window_left else W
    z0, z1 = rng.uniform(1.2, 2.0), rng.uniform(2.6, D - 0.4)
    y0, y1 = rng.uniform(0.8, 1.1), rng.uniform(1.9, 2.2)
    sky = _rgb(rng.uniform(0.52, 0.62), rng.uniform(0.1, 0.5), rng.uniform(0.8, 1.0))
    frame = np.full(3, rng.uniform(0.85, 1.0)) if rng.random() < 0.7 else wall * 0.6
    _fill(draw, room, [(wx, y0, z0), (wx, y1, z0), (wx, y1, z1), (wx, y0, z1)], frame, light)
    m = 0.06
    _fill(draw, room, [(wx, y0 + m, z0 + m), (wx, y1 - m, z0 + m), (wx, y1 - m, z1 - m),
                       (wx, y0 + m, z1 - m)], sky, 1.0)
    zm = (z0 + z1) / 2
    draw.line(room.project([(wx, y0, zm), (wx, y1, zm)]), fill=tuple(int(c * 255) for c in frame),
              width=2)
    if rng.random() < 0.6:  # curtains
        curtain = _rgb(rng.uniform(0, 1), rng.uniform(0.3, 0.8), rng.uniform(0.4, 0.9))
        for za, zb in ((z0 - 0.3, z0 + 0.15), (z1 - 0.15, z1 + 0.3)):
            _fill(draw, room, [(wx, 0.5, za), (wx, y1 + 0.15, za), (wx, y1 + 0.15, zb),
                               (wx, 0.5, zb)], curtain, light * 0.9)

    # bed against the back wall: headboard, base, sheet and cover, pillows
    bed_w = rng.uniform(1.4, 2.0)
    bed_x = rng.uniform(-W + bed_w / 2 + 0.5, W - bed_w / 2 - 0.5)
    bed_l, bed_h = rng.uniform(1.9, 2.2), rng.uniform(0.45, 0.6)
    wood = _rgb(rng.uniform(0.05, 0.1), rng.uniform(0.3, 0.7), rng.uniform(0.2, 0.6))
    if rng.random() < 0.4:  # upholstered headboard
        wood = _rgb(rng.uniform(0, 1), rng.uniform(0.1, 0.5), rng.uniform(0.3, 0.8))
    xa, xb, zf = bed_x - bed_w / 2, bed_x + bed_w / 2, D - bed_l
    head_h = rng.uniform(1.0, 1.4)
    _box(draw, room, xa - 0.05, xb + 0.05, 0, head_h, D - 0.1, D, wood, light)

    # picture above the bed (or beside it)
    pw, ph = rng.uniform(0.5, 1.0), rng.uniform(0.4, 0.7)
    pcx, pcy = bed_x + rng.uniform(-0.3, 0.3), rng.uniform(head_h + 0.35, H - 0.45)
    xl, xr, yl, yh, zp = pcx - pw / 2, pcx + pw / 2, pcy - ph / 2, pcy + ph / 2, D - 0.01
    _fill(draw, room, [(xl, yl, zp), (xr, yl, zp), (xr, yh, zp), (xl, yh, zp)],
          np.full(3, rng.uniform(0.05, 0.3)), light)
    art = [_rgb(rng.uniform(0, 1), rng.uniform(0.3, 0.9), rng.uniform(0.4, 1)) for _ in range(2)]
    split = pcy + rng.uniform(-0.1, 0.1)
    xl, xr, zp = xl + 0.05, xr - 0.05, D - 0.02
    for color, (ya, yb) in zip(art, ((yl + 0.05, split), (split, yh - 0.05))):
        _fill(draw, room, [(xl, ya, zp), (xr, ya, zp), (xr, yb, zp), (xl, yb, zp)], color, light)

    # bedside table with a lamp, on the side with more room
    table_x = xb + 0.35 if W - xb > bed_x + W - bed_w else xa - 0.35
    tw = 0.22
    _box(draw, room, table_x - tw, table_x + tw, 0, 0.55, D - 0.45, D - 0.05, wood * 0.9, light)
    shade = _rgb(rng.uniform(0.08, 0.15), rng.uniform(0.1, 0.5), rng.uniform(0.75, 1.0))
    lz = D - 0.25
    draw.line(room.project([(table_x, 0.55, lz), (table_x, 0.8, lz)]), fill=(60, 50, 40), width=2)
    (gx, gy), = room.project([(table_x, 0.95, lz)])
    glow_xy, glow_r = (gx / SUPERSAMPLE, gy / SUPERSAMPLE), size * rng.uniform(0.12, 0.22)
    glow_strength = rng.uniform(40, 110)
    _fill(draw, room, [(table_x - 0.12, 0.8, lz), (table_x + 0.12, 0.8, lz),
                       (table_x + 0.08, 1.05, lz), (table_x - 0.08, 1.05, lz)], shade, 1.0)

    # rug on the floor in front of the bed
    rug = _rgb(rng.uniform(0, 1), rng.uniform(0.3, 0.8), rng.uniform(0.3, 0.8))
    rw, rz = rng.uniform(1.2, 2.2), rng.uniform(0.6, 1.2)
    rx = bed_x + rng.uniform(-0.3, 0.3)
    _fill(draw, room, [(rx - rw / 2, 0.005, zf - rz), (rx + rw / 2, 0.005, zf - rz),
                       (rx + rw / 2, 0.005, zf + 0.4), (rx - rw / 2, 0.005, zf + 0.4)], rug, light)
    if rng.random() < 0.5:  # a border
        inner = rug * rng.uniform(0.5, 0.8)
        _fill(draw, room, [(rx - rw / 2 + 0.15, 0.006, zf - rz + 0.15),
                           (rx + rw / 2 - 0.15, 0.006, zf - rz + 0.15),
                           (rx + rw / 2 - 0.15, 0.006, zf + 0.3),
                           (rx - rw / 2 + 0.15, 0.006, zf + 0.3)], inner, light)

    # the bed itself: base, white sheet near the pillows, coloured cover over the rest
    _box(draw, room, xa, xb, 0, bed_h - 0.15, zf, D - 0.1, wood * 0.8, light)
    sheet = np.full(3, rng.uniform(0.85, 1.0)) * tint
    cover = _rgb(rng.uniform(0, 1), rng.uniform(0.2, 0.85), rng.uniform(0.35, 0.95))
    fold = D - 0.1 - rng.uniform(0.5, 0.8)
    _box(draw, room, xa, xb, bed_h - 0.17, bed_h, zf, D - 0.1, sheet, light)
    _box(draw, room, xa - 0.03, xb + 0.03, bed_h - 0.3, bed_h + 0.02, zf - 0.03, fold, cover, light)
    n_pillows = 2 if bed_w > 1.5 else 1
    for k in range(n_pillows):
        cx = xa + bed_w * (k + 0.5) / n_pillows
        pw2 = bed_w / n_pillows / 2 - 0.08
        _box(draw, room, cx - pw2, cx + pw2, bed_h, bed_h + 0.16, D - 0.55, D - 0.15,
             sheet * rng.uniform(0.9, 1.0), light * 1.05)

    # lighting, at the final size: the lamp's glow, the window's light falling off across the
    # room, a vignette, a little sensor noise
    img = img.filter(ImageFilter.GaussianBlur(0.6)).resize((size, size), Image.LANCZOS)
    pixels = np.asarray(img, dtype=np.float32)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    glow = glow_strength * np.exp(-((xx - glow_xy[0]) ** 2 + (yy - glow_xy[1]) ** 2)
                                  / (2 * glow_r**2))
    pixels += glow[..., None] * np.array([1.0, 0.85, 0.6], dtype=np.float32)
    ramp = np.linspace(1.15, 0.85, size) if window_left else np.linspace(0.85, 1.15, size)
    vignette = 1 - rng.uniform(0.2, 0.5) * ((xx / size - 0.5) ** 2 + (yy / size - 0.5) ** 2)
    pixels *= (ramp[None, :] * vignette)[..., None]
    pixels += rng.normal(0, 2.0, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
