"""Miniature IMDB archive `imdb.tgz` (fastai's repackaging of aclImdb), in the real layout:

    imdb/README, imdb/imdb.vocab, imdb/imdbEr.txt
    imdb/train/{pos,neg}/<id>_<rating>.txt   (pos: rating 7-10, neg: rating 1-4)
    imdb/train/labeledBow.feat, imdb/train/unsupBow.feat
    imdb/test/{pos,neg}/<id>_<rating>.txt, imdb/test/labeledBow.feat
    imdb/unsup/<id>_0.txt                    (unlabelled reviews, rating 0)

A review is a few sentences built from templates: a positive review draws most of its opinion
words from POSITIVE, a negative one from NEGATIVE, and each has some "mixed" sentences with the
other side's words and neutral sentences about the film, so the sentiment is learnable but not
trivial. Paragraphs are joined with aclImdb's `<br /><br />` as in the real reviews.
"""

from __future__ import annotations

import numpy as np

from .archive import tar_gz_bytes

DATASET = "imdb"
ARCHIVE = "imdb.tgz"
TOP = "imdb"
# Reviews per folder: (train pos/neg each, test pos/neg each, unsup).
COUNTS = (200, 60, 100)
POSITIVE = {
    "adj": "great wonderful brilliant excellent superb moving beautiful funny perfect".split(),
    "verb": "loved enjoyed adored liked".split(),
    "noun": "masterpiece gem delight classic".split(),
}
NEGATIVE = {
    "adj": "weak boring awful terrible dull poor bad stupid predictable".split(),
    "verb": "hated disliked regretted endured".split(),
    "noun": "mess disaster failure bore".split(),
}
PARTS = "plot acting story script ending cast music dialogue direction".split()
FILMS = "movie film picture".split()
GENRES = "western comedy drama thriller horror musical romance".split()
NAMES = "Wayne Hepburn Stewart Bergman Grant Kelly Brando Davis".split()
TEMPLATES = (
    "I {verb} this {film}!",
    "The {part} was {adj}.",
    "{name} gave a {adj} performance.",
    "What a {noun} of a {film}.",
    "Overall the {part} is {adj} and the {part2} is {adj2}.",
    "Normally I like a {genre}, but this {part} was {adj}.",
)
NEUTRAL = (
    "It is a {genre} with {name} in the lead.",
    "I watched it on a Sunday with my family.",
    "The {film} runs about two hours.",
    "It was made in the fifties.",
    "The {part} follows the book.",
)
MIXED_SHARE = 0.1  # share of opinion sentences using the other side's words
# Enthusiasm shows in the punctuation: chance that an opinion sentence ends with "!" (positive
# words) or "..." (negative words) instead of its template's ending.
EXCLAIM, TRAIL_OFF = 0.7, 0.3


def _sentence(rng: np.random.Generator, positive: bool) -> str:
    """Return one opinion sentence with POSITIVE or NEGATIVE words (adj, verb, noun)."""
    words = POSITIVE if positive else NEGATIVE
    pick = lambda seq: seq[rng.integers(len(seq))]  # noqa: E731
    template = pick(TEMPLATES)
    if rng.random() < (EXCLAIM if positive else TRAIL_OFF):
        template = template.rstrip(".!") + ("!" if positive else "...")
    return template.format(verb=pick(words["verb"]), adj=pick(words["adj"]),
                           adj2=pick(words["adj"]), noun=pick(words["noun"]), film=pick(FILMS),
                           part=pick(PARTS), part2=pick(PARTS), genre=pick(GENRES),
                           name=pick(NAMES))


def review(rng: np.random.Generator, positive: bool) -> str:
    """Return one synthetic review: 2-5 opinion sentences, 0-2 neutral ones, 1-2 paragraphs."""
    sentences = [_sentence(rng, positive != (rng.random() < MIXED_SHARE))
                 for _ in range(rng.integers(2, 6))]
    for _ in range(rng.integers(0, 3)):
        template = NEUTRAL[rng.integers(len(NEUTRAL))]
        sentence = template.format(genre=GENRES[rng.integers(len(GENRES))],
                                   name=NAMES[rng.integers(len(NAMES))],
                                   film=FILMS[rng.integers(len(FILMS))],
                                   part=PARTS[rng.integers(len(PARTS))])
        sentences.insert(int(rng.integers(len(sentences) + 1)), sentence)
    cut = int(rng.integers(1, len(sentences) + 1))
    paragraphs = [" ".join(sentences[:cut]), " ".join(sentences[cut:])]
    return "<br /><br />".join(p for p in paragraphs if p)


def _rating(rng: np.random.Generator, positive: bool | None) -> int:
    """aclImdb's file-name rating: 7-10 positive, 1-4 negative, 0 unlabelled."""
    if positive is None:
        return 0
    return int(rng.integers(7, 11)) if positive else int(rng.integers(1, 5))


def _vocab(texts: list[str]) -> bytes:
    """imdb.vocab: one lower-cased word a line, as in aclImdb (first-seen order)."""
    words = {}
    for text in texts:
        for word in text.replace("<br />", " ").lower().split():
            words.setdefault(word.strip(".,!?"), None)
    return "\n".join(w for w in words if w).encode() + b"\n"


# The rehearsal mirror's reviews: aclImdb's length (words a review: median 174, mean 231, a
# lognormal fits both; at most 2,500) and a vocabulary past the lesson's max_vocab 60,000 at
# min_freq 2: every one of LEXICON made-up words is written twice, spread over the reviews.
LENGTH_MEDIAN, LENGTH_SIGMA, LENGTH_MAX = 174, 0.75, 2500
LEXICON = 61_000
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def lexicon(rng: np.random.Generator, size: int) -> list[str]:
    """`size` distinct made-up lower-case words of 2-4 syllables."""
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choice(SYLLABLES, size=int(rng.integers(2, 5))))] = None
    return list(words)


def lengthened(rng: np.random.Generator, text: str, filler: list[str]) -> str:
    """`text` grown to a length drawn from aclImdb's by sentences of words taken off `filler`
    (the lexicon's stream; drawn from the whole lexicon once it is used up)."""
    target = min(int(rng.lognormal(np.log(LENGTH_MEDIAN), LENGTH_SIGMA)), LENGTH_MAX)
    words = len(text.split())
    sentences = []
    while words < target:
        n = min(int(rng.integers(8, 20)), target - words)
        chunk = [filler.pop() if filler else SYLLABLES[int(rng.integers(len(SYLLABLES)))]
                 for _ in range(n)]
        sentences.append(" ".join(chunk).capitalize() + ".")
        words += n
    return " ".join([text, *sentences]) if sentences else text


def build_files(seed: int, counts: tuple[int, int, int] = COUNTS, real_length: bool = False
                ) -> dict[str, bytes]:
    """Return {"imdb.tgz": bytes}, identical for the same seed: `counts` reviews per label in
    train and test, and unlabelled ones; `real_length` (the rehearsal mirror): reviews as long
    as aclImdb's, over a vocabulary bigger than the lesson's (LEXICON)."""
    rng = np.random.default_rng([seed, 24])
    n_train, n_test, n_unsup = counts
    filler: list[str] = []
    if real_length:
        filler = lexicon(rng, LEXICON) * 2
        rng.shuffle(filler)
    members: dict[str, bytes] = {}
    texts: list[str] = []
    for split, count in (("train", n_train), ("test", n_test)):
        for label in ("neg", "pos"):
            positive = label == "pos"
            for i in range(count):
                text = review(rng, positive)
                if real_length:
                    text = lengthened(rng, text, filler)
                texts.append(text)
                name = f"{TOP}/{split}/{label}/{i}_{_rating(rng, positive)}.txt"
                members[name] = text.encode("utf-8")
        members[f"{TOP}/{split}/labeledBow.feat"] = f"# {split} bag of words: see README\n".encode()
    for i in range(n_unsup):
        text = review(rng, bool(rng.random() < 0.5))
        if real_length:
            text = lengthened(rng, text, filler)
        texts.append(text)
        members[f"{TOP}/unsup/{i}_0.txt"] = text.encode("utf-8")
    members[f"{TOP}/train/unsupBow.feat"] = b"# unsup bag of words: see README\n"
    members[f"{TOP}/imdb.vocab"] = _vocab(texts)
    members[f"{TOP}/imdbEr.txt"] = b"0.0\n"
    members[f"{TOP}/README"] = (
        b"Miniature synthetic stand-in for the Large Movie Review Dataset v1.0 (aclImdb),\n"
        b"built by hundreddays.demo_mirror.imdb in the same layout: train/ and test/ with\n"
        b"pos/ and neg/ reviews named <id>_<rating>.txt, unsup/ unlabelled reviews.\n")
    return {ARCHIVE: tar_gz_bytes(members)}
