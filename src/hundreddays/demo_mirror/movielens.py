"""Miniature MovieLens 100K: `ml-100k.zip` with `ml-100k/u.data` and `ml-100k/u.item` in the
real formats (u.data: user, item, rating 1-5, unix timestamp, tab-separated, no header;
u.item: id|title|release date|video release date|IMDb URL|19 genre flags, latin-1).

Ratings come from a low-rank model: global mean + user bias + movie bias + a dot product of
3-dimensional user and movie factors + noise, rounded and clipped to 1-5, so collaborative
filtering beats the mean rating but cannot be exact. Each user rates at least MIN_RATED movies,
as in the real data. The zip is built deterministically (archive.zip_bytes).
"""

from __future__ import annotations

import numpy as np

from .archive import zip_bytes

DATASET = "movielens_100k"
FILE = "ml-100k.zip"
FOLDER = "ml-100k"
GENRES = 19
MIN_RATED = 20  # the real data: every user rated at least 20 movies
WORDS = ["River", "Night", "Lonely", "Return", "City", "Secret", "Summer", "Blue", "Last",
         "Garden", "Stranger", "Dream", "Shadow", "Glass", "Wild", "Silent", "Café", "Jour"]


def make_ratings(seed: int, users: int = 150, items: int = 200, per_user: int = 40,
                 factors: int = 3) -> np.ndarray:
    """Return an int64 array (ratings, 4): user id, item id (1-based), rating, timestamp."""
    rng = np.random.default_rng([seed, 30])
    user_bias = rng.normal(0, 0.4, users)
    item_bias = rng.normal(0, 0.6, items)
    user_f = rng.normal(0, 0.6, (users, factors))
    item_f = rng.normal(0, 0.6, (items, factors))
    popularity = rng.pareto(1.5, items) + 0.2  # a few movies get most ratings, as in the real data
    rows = []
    for u in range(users):
        count = max(MIN_RATED, int(rng.poisson(per_user)))
        seen = rng.choice(items, size=min(count, items), replace=False,
                          p=popularity / popularity.sum())
        score = 3.5 + user_bias[u] + item_bias[seen] + item_f[seen] @ user_f[u]
        rating = np.clip(np.rint(score + rng.normal(0, 0.5, len(seen))), 1, 5)
        stamp = rng.integers(874724710, 893286638, len(seen))
        rows += [(u + 1, i + 1, r, t) for i, r, t in zip(seen, rating, stamp, strict=True)]
    table = np.array(rows, dtype=np.int64)
    return table[rng.permutation(len(table))]  # the real file is in no particular order


def titles(seed: int, items: int) -> list[str]:
    """Return `items` distinct titles 'Words (year)', some with latin-1 letters."""
    rng = np.random.default_rng([seed, 31])
    out, used = [], set()
    while len(out) < items:
        words = " ".join(rng.choice(WORDS, size=int(rng.integers(1, 4)), replace=False))
        title = f"{words} ({int(rng.integers(1930, 1999))})"
        if title not in used:
            used.add(title)
            out.append(title)
    return out


def u_data(ratings: np.ndarray) -> bytes:
    """Return u.data: one 'user\\titem\\trating\\ttimestamp' line per rating."""
    return "".join("\t".join(map(str, row)) + "\n" for row in ratings.tolist()).encode("ascii")


def u_item(seed: int, items: int) -> bytes:
    """Return u.item ('|'-separated, latin-1) for movies 1..items."""
    rng = np.random.default_rng([seed, 32])
    lines = []
    for i, title in enumerate(titles(seed, items), start=1):
        year = title[-5:-1]
        url = "http://us.imdb.com/M/title-exact?" + title.replace(" ", "%20")
        flags = (rng.random(GENRES) < 0.15).astype(int)
        lines.append("|".join([str(i), title, f"01-Jan-{year}", "", url, *map(str, flags)]))
    return ("\n".join(lines) + "\n").encode("latin-1")


def build_files(seed: int, users: int = 150, items: int = 200) -> dict[str, bytes]:
    """Return {"ml-100k.zip": bytes} holding ml-100k/u.data and ml-100k/u.item."""
    ratings = make_ratings(seed, users, items)
    return {FILE: zip_bytes({f"{FOLDER}/u.data": u_data(ratings),
                             f"{FOLDER}/u.item": u_item(seed, items)})}
