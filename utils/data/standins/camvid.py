"""Offline CamVid: procedurally drawn street scenes in the on-disk layout of `URLs.CAMVID`.

Layout (the same as the real dataset): `images/<stem>.png` (RGB), `labels/<stem>_P.png` (8-bit
class indices into `codes.txt`), `codes.txt` (CamVid's 32 class names, in CamVid's order) and
`valid.txt` (the file names of the validation images; every other image is for training).

Each scene has a horizon, sky, a row of buildings with windows, a road in perspective with lane
marks, sidewalks, and then, at random, cars, pedestrians, trees, poles, signs, fences and patches of
Void. Colours, textures, lighting, scale and occlusion vary from image to image, so colour alone
does not give the class: the road can be as grey as a building, a car can be any colour.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

DESCRIPTION = "procedurally drawn street scenes in CamVid's layout and 32 classes, 96x128 pixels"
VERSION = 1
SEED = 0  # image i is drawn by a generator seeded with (SEED, i): two builds are identical
N_IMAGES = 360  # images in the default build
SIZE = (96, 128)  # (height, width) of the default build: 3:4 like CamVid's 720x960
VALID_SEQUENCE = "0016E5"  # as in the real CamVid, validation images are one video sequence
SEQUENCES = ("0001TP", "0006R0", "Seq05VD", VALID_SEQUENCE)  # CamVid's four sequence prefixes
VALID_SHARE = 0.2  # share of the images in the validation sequence

# CamVid's codes.txt, in CamVid's order (a mask value is an index into this list)
CODES = (
    "Animal", "Archway", "Bicyclist", "Bridge", "Building", "Car", "CartLuggagePram", "Child",
    "Column_Pole", "Fence", "LaneMkgsDriv", "LaneMkgsNonDriv", "Misc_Text", "MotorcycleScooter",
    "OtherMoving", "ParkingBlock", "Pedestrian", "Road", "RoadShoulder", "Sidewalk", "SignSymbol",
    "Sky", "SUVPickupTruck", "TrafficCone", "TrafficLight", "Train", "Tree", "Truck_Bus", "Tunnel",
    "VegetationMisc", "Void", "Wall",
)
C = {name: i for i, name in enumerate(CODES)}  # class name -> mask value
DRAWN = ("Sky", "Building", "Wall", "Road", "LaneMkgsDriv", "Sidewalk", "Car", "SUVPickupTruck",
         "Pedestrian", "Tree", "Column_Pole", "SignSymbol", "Fence", "Void")  # what scenes contain


def build(dest: Path, n_images: int = N_IMAGES, size: tuple[int, int] = SIZE,
          seed: int = SEED) -> None:
    """Write `n_images` scenes of `size` (height, width) under `dest` in CamVid's layout."""
    dest = Path(dest)
    (dest / "images").mkdir(parents=True, exist_ok=True)
    (dest / "labels").mkdir(parents=True, exist_ok=True)
    (dest / "codes.txt").write_text("".join(f"{c}\n" for c in CODES))
    n_valid = max(1, round(n_images * VALID_SHARE)) if n_images > 1 else 0
    train_sequences = SEQUENCES[:-1]
    valid = []
    for i in range(n_images):
        if i < n_images - n_valid:
            seq, frame = train_sequences[i % 3], 30 * (i // 3) + 600
        else:
            seq, frame = VALID_SEQUENCE, 30 * (i - n_images + n_valid) + 7_000
        stem = f"{seq}_{frame:06d}" if seq != "Seq05VD" else f"{seq}_f{frame:05d}"
        image, label = draw_scene(np.random.default_rng([seed, i]), size)
        Image.fromarray(image, mode="RGB").save(dest / "images" / f"{stem}.png")
        Image.fromarray(label, mode="L").save(dest / "labels" / f"{stem}_P.png")
        if seq == VALID_SEQUENCE:
            valid.append(f"{stem}.png")
    (dest / "valid.txt").write_text("".join(f"{v}\n" for v in valid))


# --- drawing -------------------------------------------------------------------------------------


class Canvas:
    """An RGB picture and its label mask, drawn together so they always agree."""

    def __init__(self, rng: np.random.Generator, size: tuple[int, int]):
        self.rng, (self.h, self.w) = rng, size
        self.rgb = Image.new("RGB", (self.w, self.h))
        self.lab = Image.new("L", (self.w, self.h))
        self.d_rgb, self.d_lab = ImageDraw.Draw(self.rgb), ImageDraw.Draw(self.lab)

    def colour(self, base, spread=30):
        """`base` (RGB) shifted at random, so no class has one fixed colour."""
        c = np.asarray(base, float) + self.rng.normal(0, spread, 3)
        return tuple(int(v) for v in np.clip(c, 0, 255))

    def rect(self, box, cls, colour):
        self.d_rgb.rectangle(box, fill=colour)
        self.d_lab.rectangle(box, fill=C[cls])

    def polygon(self, points, cls, colour):
        self.d_rgb.polygon(points, fill=colour)
        self.d_lab.polygon(points, fill=C[cls])

    def ellipse(self, box, cls, colour):
        self.d_rgb.ellipse(box, fill=colour)
        self.d_lab.ellipse(box, fill=C[cls])

    def line(self, points, cls, colour, width):
        self.d_rgb.line(points, fill=colour, width=width)
        self.d_lab.line(points, fill=C[cls], width=width)


def random_palette(rng):
    """Base colours of one scene: sky, buildings, road and sidewalk change from scene to scene."""
    sky = [(110, 150, 200), (160, 165, 175), (200, 150, 110), (60, 70, 110)][rng.integers(4)]
    grey = rng.uniform(70, 150)
    road = (grey, grey, grey + rng.uniform(-10, 15))
    side = tuple(np.clip(np.array(road) + rng.uniform(-45, 45), 30, 220))
    return sky, road, side


def draw_scene(rng: np.random.Generator, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """One street scene: (RGB uint8 array of `size`+(3,), label uint8 array of `size`)."""
    cv = Canvas(rng, size)
    h, w = size
    sky, road, side = random_palette(rng)
    horizon = int(h * rng.uniform(0.38, 0.52))
    vx = w * rng.uniform(0.35, 0.65)  # vanishing point of the road
    # sky: the whole picture first, everything else is drawn over it
    cv.rect((0, 0, w, h), "Sky", cv.colour(sky, 20))
    # buildings (and the odd wall) standing on the horizon
    x = -int(rng.integers(0, w // 8))
    while x < w:
        bw = int(w * rng.uniform(0.12, 0.35))
        top = int(h * rng.uniform(0.02, 0.3))
        cls = "Wall" if rng.random() < 0.1 else "Building"
        base = [(150, 90, 70), (170, 160, 140), (120, 120, 125), (200, 190, 160),
                (90, 80, 75)][rng.integers(5)]
        wall = cv.colour(base, 25)
        if cls == "Wall":
            top = horizon - int(h * rng.uniform(0.05, 0.12))
        cv.rect((x, top, x + bw, horizon + 2), cls, wall)
        if cls == "Building":
            draw_windows(cv, x, top, bw, horizon, wall)
        x += bw + int(rng.integers(-2, max(3, w // 16)))
    # road and sidewalks: a trapezoid to the vanishing point, sidewalks on either side
    left_edge, right_edge = vx - w * rng.uniform(0.05, 0.12), vx + w * rng.uniform(0.05, 0.12)
    spread = rng.uniform(0.5, 1.0)
    bottom_left, bottom_right = -w * spread * 0.6 + vx * 0.2, w + w * spread * 0.6 - (w - vx) * 0.2
    cv.rect((0, horizon, w, h), "Sidewalk", cv.colour(side, 15))
    cv.polygon([(left_edge, horizon), (right_edge, horizon), (bottom_right, h), (bottom_left, h)],
               "Road", cv.colour(road, 10))
    draw_lane_marks(cv, vx, horizon, h, rng)
    # things in front, far ones first so near ones occlude them
    things = []
    for _ in range(rng.integers(0, 4)):
        things.append(("car", rng.uniform(0.15, 1.0)))
    for _ in range(rng.integers(0, 4)):
        things.append(("pedestrian", rng.uniform(0.1, 1.0)))
    for _ in range(rng.integers(0, 3)):
        things.append(("tree", rng.uniform(0.0, 0.6)))
    for _ in range(rng.integers(0, 3)):
        things.append(("pole", rng.uniform(0.0, 0.8)))
    if rng.random() < 0.4:
        things.append(("fence", rng.uniform(0.2, 0.6)))
    for kind, depth in sorted(things, key=lambda t: t[1]):  # depth 0: horizon, 1: bottom edge
        y = horizon + depth * (h - horizon)  # where it stands
        scale = 0.15 + 0.85 * depth  # perspective: nearer is bigger
        on_road = vx + rng.uniform(-0.9, 0.9) * (y - horizon) * 1.1  # somewhere on the road
        off_road = (rng.uniform(0, 0.25) if rng.random() < 0.5 else rng.uniform(0.75, 1.0)) * w
        if kind == "car":
            draw_car(cv, on_road, y, scale, rng)
        elif kind == "pedestrian":
            draw_pedestrian(cv, off_road, y, scale, rng)
        elif kind == "tree":
            draw_tree(cv, off_road, y, scale, rng)
        elif kind == "pole":
            draw_pole(cv, off_road, y, scale, rng)
        else:
            draw_fence(cv, y, scale, rng)
    if rng.random() < 0.5:  # Void: the bonnet of the camera car, or an unlabelled blob
        if rng.random() < 0.5:
            top = h - int(h * rng.uniform(0.04, 0.1))
            cv.ellipse((-w * 0.2, top, w * 1.2, h + (h - top)), "Void", cv.colour((40, 40, 45), 15))
        else:
            cx, cy, r = rng.uniform(0, w), rng.uniform(horizon, h), rng.uniform(2, 0.08 * w)
            cv.ellipse((cx - r, cy - r * 0.6, cx + r, cy + r * 0.6), "Void",
                       cv.colour((128, 128, 128), 60))
    return finish(cv, horizon), np.asarray(cv.lab, dtype=np.uint8)


def draw_windows(cv, x, top, bw, bottom, wall):
    rng = cv.rng
    step_x = max(3, int(bw / rng.integers(3, 7)))
    step_y = max(4, int(cv.h * rng.uniform(0.05, 0.09)))
    win = cv.colour((40, 50, 70) if rng.random() < 0.7 else (220, 210, 150), 20)
    for wy in range(top + 2, bottom - step_y, step_y):
        for wx in range(x + 2, x + bw - step_x // 2, step_x):
            box = (wx, wy, wx + max(1, step_x // 2), wy + max(1, step_y // 2))
            cv.d_rgb.rectangle(box, fill=win)  # windows are part of the building


def draw_lane_marks(cv, vx, horizon, h, rng):
    colour = cv.colour((230, 230, 220), 15)
    n = 6
    for k in range(n):
        t0, t1 = (k + 0.3) / n, (k + 0.7) / n
        y0, y1 = horizon + (t0**1.6) * (h - horizon), horizon + (t1**1.6) * (h - horizon)
        width = max(1, int(1 + 3 * t1 * (h / 96)))
        cv.line([(vx, y0), (vx, y1)], "LaneMkgsDriv", colour, width)


def draw_car(cv, x, y, scale, rng):
    cw, ch = cv.w * 0.32 * scale, cv.h * 0.18 * scale
    cls = "SUVPickupTruck" if rng.random() < 0.15 else "Car"
    if cls == "SUVPickupTruck":
        ch *= 1.3
    body = cv.colour(rng.uniform(20, 235, 3), 0)
    cv.rect((x - cw / 2, y - ch * 0.6, x + cw / 2, y), cls, body)
    cv.polygon([(x - cw * 0.35, y - ch * 0.6), (x - cw * 0.25, y - ch),
                (x + cw * 0.25, y - ch), (x + cw * 0.35, y - ch * 0.6)], cls, body)
    glass = cv.colour((50, 60, 75), 10)
    cv.d_rgb.polygon([(x - cw * 0.28, y - ch * 0.62), (x - cw * 0.2, y - ch * 0.92),
                      (x + cw * 0.2, y - ch * 0.92), (x + cw * 0.28, y - ch * 0.62)], fill=glass)
    for wx in (x - cw * 0.32, x + cw * 0.32):  # wheels
        r = max(1.0, ch * 0.16)
        cv.ellipse((wx - r, y - r, wx + r, y + r), cls, (20, 20, 20))


def draw_pedestrian(cv, x, y, scale, rng):
    ph = cv.h * 0.42 * scale
    pw = max(1.5, ph * 0.22)
    clothes = cv.colour(rng.uniform(20, 235, 3), 0)
    cv.ellipse((x - pw / 2, y - ph * 0.82, x + pw / 2, y - ph * 0.3), "Pedestrian", clothes)
    legs = cv.colour((50, 50, 70), 30)
    cv.rect((x - pw * 0.4, y - ph * 0.35, x + pw * 0.4, y), "Pedestrian", legs)
    r = max(1.0, ph * 0.08)
    cv.ellipse((x - r, y - ph * 0.82 - 2 * r, x + r, y - ph * 0.82), "Pedestrian",
               cv.colour((200, 160, 130), 30))


def draw_tree(cv, x, y, scale, rng):
    th = cv.h * rng.uniform(0.45, 0.8) * (0.4 + 0.6 * scale)
    trunk = max(1, int(th * 0.06))
    cv.line([(x, y), (x, y - th * 0.55)], "Tree", cv.colour((90, 65, 40), 20), trunk)
    green = cv.colour((60, 110, 50) if rng.random() < 0.8 else (150, 120, 50), 25)
    for _ in range(rng.integers(3, 6)):
        cx, cy = x + rng.normal(0, th * 0.12), y - th * rng.uniform(0.6, 0.85)
        r = th * rng.uniform(0.12, 0.22)
        cv.ellipse((cx - r, cy - r, cx + r, cy + r), "Tree", green)
        shade = tuple(max(0, v - 25) for v in green)
        cv.d_rgb.ellipse((cx - r / 2, cy, cx + r / 2, cy + r / 2), fill=shade)  # foliage texture


def draw_pole(cv, x, y, scale, rng):
    ph = cv.h * 0.7 * (0.3 + 0.7 * scale)
    cv.line([(x, y), (x, y - ph)], "Column_Pole", cv.colour((90, 90, 95), 25),
            max(1, int(2 * scale + 0.5)))
    if rng.random() < 0.6:  # a sign on it
        s = max(2.0, cv.h * 0.07 * (0.3 + 0.7 * scale))
        colour = [(200, 30, 30), (30, 60, 170), (230, 200, 30)][rng.integers(3)]
        top = y - ph * rng.uniform(0.6, 0.95)
        if rng.random() < 0.5:
            cv.ellipse((x - s, top - s, x + s, top + s), "SignSymbol", cv.colour(colour, 20))
        else:
            cv.rect((x - s, top - s, x + s, top + s), "SignSymbol", cv.colour(colour, 20))


def draw_fence(cv, y, scale, rng):
    fh = cv.h * 0.12 * (0.3 + 0.7 * scale)
    left = rng.random() < 0.5
    x0, x1 = (0, cv.w * rng.uniform(0.15, 0.35)) if left else (cv.w * rng.uniform(0.65, 0.85), cv.w)
    colour = cv.colour((140, 110, 80) if rng.random() < 0.5 else (170, 170, 170), 20)
    for yy in (y - fh, y - fh * 0.5):
        cv.line([(x0, yy), (x1, yy)], "Fence", colour, 1)
    step = max(2, int(4 * (0.3 + 0.7 * scale)))
    for xx in np.arange(x0, x1, step):
        cv.line([(xx, y - fh * 1.1), (xx, y)], "Fence", colour, 1)


def finish(cv, horizon) -> np.ndarray:
    """Lighting and texture: a brightness gradient, an overall exposure, and pixel noise."""
    rng = cv.rng
    img = np.asarray(cv.rgb, dtype=np.float32)
    yy = np.linspace(0, 1, cv.h)[:, None, None]
    xx = np.linspace(0, 1, cv.w)[None, :, None]
    light = rng.uniform(0.45, 1.0) * (1 + rng.uniform(-0.3, 0.3) * (xx - 0.5)
                                      + rng.uniform(-0.2, 0.2) * (yy - 0.5))
    tint = 1 + rng.normal(0, 0.06, 3)  # colour cast of the camera
    img = img * light * tint + rng.normal(0, rng.uniform(3, 12), img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)
