"""Miniature Oxford-IIIT Pet in fastai's repackaging: oxford-iiit-pet.tgz holding
oxford-iiit-pet/images/<Breed_name>_<n>.jpg (cat breeds Capitalised, dog breeds lower-case) and a
minimal oxford-iiit-pet/annotations/ (list.txt, trainval.txt, test.txt as in the VGG release).

Each of the 37 real breeds is drawn as a cartoon animal: a body ellipse and a head in the breed's
colour (one of 13 hues) on a background of one of 3 tints (13 x 3 >= 37 combinations), cats with
pointed ears, dogs with floppy ones. Pose, size, shading and noise are jittered per image, so a
small net learns the breeds well above chance but not perfectly.
"""

from __future__ import annotations

import colorsys

import numpy as np

from .archive import tar_gz_bytes
from .raster import ellipse, jpeg_bytes, paint, rectangle, resized, smooth_noise, to_uint8

DATASET = "pets"
ARCHIVE = "oxford-iiit-pet.tgz"
TOP = "oxford-iiit-pet"
CAT_BREEDS = ["Abyssinian", "Bengal", "Birman", "Bombay", "British_Shorthair", "Egyptian_Mau",
              "Maine_Coon", "Persian", "Ragdoll", "Russian_Blue", "Siamese", "Sphynx"]
DOG_BREEDS = ["american_bulldog", "american_pit_bull_terrier", "basset_hound", "beagle", "boxer",
              "chihuahua", "english_cocker_spaniel", "english_setter", "german_shorthaired",
              "great_pyrenees", "havanese", "japanese_chin", "keeshond", "leonberger",
              "miniature_pinscher", "newfoundland", "pomeranian", "pug", "saint_bernard",
              "samoyed", "scottish_terrier", "shiba_inu", "staffordshire_bull_terrier",
              "wheaten_terrier", "yorkshire_terrier"]
BREEDS = sorted(CAT_BREEDS + DOG_BREEDS, key=str.lower)  # the order of the VGG class ids
BACKGROUNDS = [(0.20, 0.25, 0.45), (0.35, 0.55, 0.25), (0.80, 0.72, 0.55)]  # blue, grass, sand
HUES = 13


def breed_colour(index: int) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """Return (animal RGB, background RGB) of breed number `index` (0-36), all distinct pairs."""
    hue = (index % HUES) / HUES
    animal = colorsys.hsv_to_rgb(hue, 0.85, 0.9)
    return animal, BACKGROUNDS[index // HUES]


def render_pet(rng: np.random.Generator, index: int, is_cat: bool) -> np.ndarray:
    """Return one (h, w, 3) uint8 RGB picture of breed `index`."""
    h, w = int(rng.integers(56, 81)), int(rng.integers(56, 81))
    animal, background = breed_colour(index)
    shade = 0.15 * smooth_noise(rng, (h, w), 6.0)[..., None]
    image = np.clip(np.asarray(background) * (1.0 + shade), 0, 1)
    cy, cx = h * rng.uniform(0.55, 0.65), w * rng.uniform(0.4, 0.6)
    ry, rx = h * rng.uniform(0.16, 0.22), w * rng.uniform(0.22, 0.3)
    fur = np.clip(np.asarray(animal) * rng.uniform(0.8, 1.1), 0, 1)
    image = paint(image, ellipse((h, w), cy, cx, ry, rx, rng.normal(0, 0.2))[..., None], fur)
    hy, hx, hr = cy - ry * 1.3, cx + rx * rng.uniform(-0.6, 0.6), min(h, w) * rng.uniform(.12, .16)
    for side in (-1, 1):  # ears first, the head covers their base
        if is_cat:  # pointed: a thin tall ellipse tilted outwards
            ear = ellipse((h, w), hy - hr * 0.9, hx + side * hr * 0.6, hr * 0.7, hr * 0.25,
                          side * 0.4)
        else:  # floppy: a long ellipse hanging beside the head
            ear = ellipse((h, w), hy + hr * 0.3, hx + side * hr * 1.0, hr * 0.8, hr * 0.35)
        image = paint(image, ear[..., None], fur * 0.8)
    image = paint(image, ellipse((h, w), hy, hx, hr, hr)[..., None], fur)
    for side in (-1, 1):  # eyes
        image = paint(image, rectangle((h, w), hy - hr * 0.3, hx + side * hr * 0.4 - 1, 2, 2)
                      [..., None], 0.05)
    image = image + rng.normal(0, 0.03, image.shape)
    return to_uint8(image)


def build_files(seed: int, per_breed: int = 8, scale: float | None = None) -> dict[str, bytes]:
    """Return {"oxford-iiit-pet.tgz": bytes}: `per_breed` JPEGs per breed, deterministic;
    `scale`: each picture drawn, then resized by that factor (the rehearsal mirror: about the
    500 x 375 of the real photos)."""
    members: dict[str, bytes] = {}
    rows = []
    for index, breed in enumerate(BREEDS):
        is_cat = breed in CAT_BREEDS
        rng = np.random.default_rng([seed, index])
        for n in range(1, per_breed + 1):
            name = f"{breed}_{n}"
            image = render_pet(rng, index, is_cat)
            if scale is not None:
                image = resized(image, (round(image.shape[0] * scale),
                                        round(image.shape[1] * scale)))
            members[f"{TOP}/images/{name}.jpg"] = jpeg_bytes(image, quality=85)
            # list.txt: Image CLASS-ID SPECIES BREED ID (species 1 = cat, 2 = dog)
            breed_id = (CAT_BREEDS if is_cat else DOG_BREEDS).index(breed) + 1
            rows.append((name, index + 1, 1 if is_cat else 2, breed_id, n))
    header = ("#Image CLASS-ID SPECIES BREED ID\n#ID: 1:37 Class ids\n#SPECIES: 1:Cat 2:Dog\n"
              "#BREED ID: 1-25:Dog 1:12:Cat\n#All images with 1st letter as captial are cat "
              "images\n#images with small first letter are dog images\n")
    lines = [" ".join(map(str, r)) for r in rows]
    members[f"{TOP}/annotations/list.txt"] = (header + "\n".join(lines) + "\n").encode()
    members[f"{TOP}/annotations/trainval.txt"] = "".join(
        f"{line}\n" for line, r in zip(lines, rows, strict=True) if r[4] % 2).encode()
    members[f"{TOP}/annotations/test.txt"] = "".join(
        f"{line}\n" for line, r in zip(lines, rows, strict=True) if not r[4] % 2).encode()
    return {ARCHIVE: tar_gz_bytes(members)}
