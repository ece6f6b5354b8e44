"""Miniature 20 Newsgroups archive `20news-bydate.tar.gz`, in the real "bydate" layout:

    20news-bydate-train/<group>/<number>     one Usenet post per file, latin-1 text
    20news-bydate-test/<group>/<number>

All 20 real groups are present with a few posts each; the four groups of the fast.ai topic-model
notebook (COURSE_GROUPS) get many more. A post is header lines (From:, Subject:, Organization:,
sometimes Nntp-Posting-Host:, Lines:), a blank line and a body of sentences drawn from the
group's own words, words every group uses, and English stop words. Some posts quote an earlier
one ("In article <...>, x@y writes:" then "> " lines) and some end with a "-- " signature, so
that fetch_20newsgroups' header / footer / quote stripping has work to do.
"""

from __future__ import annotations

import numpy as np

from .archive import tar_gz_bytes

DATASET = "newsgroups20"
ARCHIVE = "20news-bydate.tar.gz"

# group -> its own words, most frequent first (the generator draws them Zipf-like).
GROUP_WORDS = {
    "alt.atheism": "god atheism atheists evidence belief exist existence morality moral "
                   "argument religion islam objective atheist believe universe proof claim",
    "comp.graphics": "image graphics jpeg file images format gif color software program "
                     "polygon pixel ftp rendering bitmap viewer algorithm vga tiff",
    "comp.os.ms-windows.misc": "windows dos driver win3 microsoft drivers font ini",
    "comp.sys.ibm.pc.hardware": "drive scsi ide controller card motherboard bios floppy",
    "comp.sys.mac.hardware": "mac apple quadra powerbook simm monitor lc centris",
    "comp.windows.x": "window widget motif xterm server xlib openwindows display",
    "misc.forsale": "sale offer shipping condition price sell asking brand",
    "rec.autos": "car cars engine dealer ford toyota mileage oil",
    "rec.motorcycles": "bike dod ride riding helmet motorcycle bmw honda",
    "rec.sport.baseball": "baseball pitcher hitter inning braves season runs fans",
    "rec.sport.hockey": "hockey team game nhl playoffs goal leafs penguins",
    "sci.crypt": "encryption key clipper chip nsa escrow keys privacy",
    "sci.electronics": "circuit voltage power amp resistor battery wire signal",
    "sci.med": "doctor patients disease medical treatment pain diet symptoms",
    "sci.space": "space nasa launch orbit shuttle moon satellite earth lunar spacecraft "
                 "mission solar rocket station mars flight henry planetary",
    "soc.religion.christian": "church christ christians faith prayer scripture sin lord",
    "talk.politics.guns": "gun guns firearms weapons batf fbi amendment militia",
    "talk.politics.mideast": "israel israeli arab armenian turkish armenians jews palestinian",
    "talk.politics.misc": "government tax clinton president taxes health congress state",
    "talk.religion.misc": "jesus christian bible koresh christians church biblical scripture "
                          "faith christ lord matthew sin holy prophecy gospel spirit",
}
COURSE_GROUPS = ("alt.atheism", "talk.religion.misc", "comp.graphics", "sci.space")
# Words every group uses (not English stop words, so they survive CountVectorizer's list).
SHARED_WORDS = ("people think know like just time good does way make really want say point "
                "thing read new question years right problem used").split()
STOP_WORDS = ("the a of to and is in that it for on be this are as not with have but or "
              "you an if at by from was we they what so would can there").split()
# Share of each drawn word from: the group's words, the shared words, the stop words, and the
# long tail of rare words (names, jargon, typos) that makes a real vocabulary large and sparse.
WORD_MIX = (0.36, 0.22, 0.32, 0.10)
RARE_WORDS = 1500
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
BORROW = {"talk.religion.misc": "alt.atheism"}  # the course's two overlapping groups
BORROW_SHARE = 0.25
# (train, test) posts per group.
COURSE_POSTS = (48, 16)
OTHER_POSTS = (3, 2)
FIRST_NAMES = ["John", "Mary", "Pat", "Chris", "Dave", "Susan", "Mike", "Karen", "Tom", "Ann",
               "Jürgen", "René"]  # latin-1 names: the archive's text is latin-1, not UTF-8
LAST_NAMES = ["Smith", "Jones", "Baker", "Miller", "Clark", "Young", "Hall", "Wright", "Müller"]
SITES = ["cs.umd.edu", "phys.uiuc.edu", "eng.ox.ac.uk", "ucsd.edu", "netcom.com",
         "cco.caltech.edu", "rice.edu", "hpl.hp.com"]
ORGANIZATIONS = ["University of Maryland", "University of Illinois at Urbana",
                 "Oxford University", "UC San Diego", "Netcom On-line Services",
                 "California Institute of Technology", "Rice University", "HP Labs"]


def _zipf_pick(rng: np.random.Generator, words: list[str]) -> str:
    """Return one of `words`, the k-th with probability proportional to 1/(k+1)**0.8."""
    weights = 1.0 / np.arange(1, len(words) + 1) ** 0.8
    return words[rng.choice(len(words), p=weights / weights.sum())]


def rare_words(seed: int) -> list[str]:
    """Return RARE_WORDS distinct made-up words of two to four syllables."""
    rng = np.random.default_rng([seed, len(GROUP_WORDS)])
    words: dict[str, None] = {}
    while len(words) < RARE_WORDS:
        words["".join(rng.choice(SYLLABLES, size=rng.integers(2, 5)))] = None
    return list(words)


def _sentence(rng: np.random.Generator, group: str, rare: list[str]) -> str:
    """Return one sentence: 6-14 words from the group's, the shared, the stop and `rare`
    words."""
    own = GROUP_WORDS[group].split()
    lender = BORROW.get(group)
    words = []
    for _ in range(rng.integers(6, 15)):
        source = rng.choice(len(WORD_MIX), p=WORD_MIX)
        if source == 0 and lender and rng.random() < BORROW_SHARE:
            words.append(_zipf_pick(rng, GROUP_WORDS[lender].split()))
        elif source == 0:
            words.append(_zipf_pick(rng, own))
        elif source == 1:
            words.append(SHARED_WORDS[rng.integers(len(SHARED_WORDS))])
        elif source == 2:
            words.append(STOP_WORDS[rng.integers(len(STOP_WORDS))])
        else:
            words.append(_zipf_pick(rng, rare))
    text = " ".join(words)
    return text[0].upper() + text[1:] + str(rng.choice([".", ".", ".", "?", "!"]))


def _wrap(sentences: list[str], width: int = 72) -> list[str]:
    """Return the sentences joined and wrapped into lines of at most `width` characters."""
    lines, line = [], ""
    for word in " ".join(sentences).split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line] if line else lines


def _author(rng: np.random.Generator) -> tuple[str, str, int]:
    """Return (full name, e-mail address, site index)."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    site = int(rng.integers(len(SITES)))
    user = "".join(c for c in f"{first[0]}{last}".lower() if c.isascii())
    return f"{first} {last}", f"{user}@{SITES[site]}", site


def post(rng: np.random.Generator, group: str, rare: list[str]) -> bytes:
    """Return one Usenet post of `group`, latin-1 encoded, as the archive stores it."""
    name, email, site = _author(rng)
    body = []
    if rng.random() < 0.35:  # a reply quoting an earlier post
        q_name, q_email, _ = _author(rng)
        message_id = f"<{rng.integers(10**6, 10**7)}@{SITES[int(rng.integers(len(SITES)))]}>"
        body.append(f"In article {message_id}, {q_email} ({q_name}) writes:")
        body += [f"> {line}" for line in _wrap([_sentence(rng, group, rare) for _ in range(2)])]
        body.append("")
    for paragraph in range(rng.integers(1, 4)):
        if paragraph:
            body.append("")
        body += _wrap([_sentence(rng, group, rare) for _ in range(rng.integers(2, 6))])
    if rng.random() < 0.4:  # a signature
        body += ["", "-- ", name, email]
    subject = " ".join(_zipf_pick(rng, GROUP_WORDS[group].split()) for _ in range(3))
    header = [f"From: {email} ({name})",
              f"Subject: {'Re: ' if body[0].startswith('In article') else ''}{subject}",
              f"Organization: {ORGANIZATIONS[site]}"]
    if rng.random() < 0.3:
        header.append(f"Nntp-Posting-Host: news.{SITES[site]}")
    header.append(f"Lines: {len(body)}")
    return ("\n".join(header + [""] + body) + "\n").encode("latin-1")


def archive_members(seed: int) -> dict[str, bytes]:
    """Return {path inside the archive: post bytes} for every group and both splits."""
    members, rare = {}, rare_words(seed)
    for index, group in enumerate(sorted(GROUP_WORDS)):
        rng = np.random.default_rng([seed, index])
        counts = COURSE_POSTS if group in COURSE_GROUPS else OTHER_POSTS
        number = 38000 + 1000 * index  # post numbers rise with time; test posts are later ones
        for split, count in zip(("train", "test"), counts, strict=True):
            for _ in range(count):
                number += int(rng.integers(1, 20))
                members[f"20news-bydate-{split}/{group}/{number}"] = post(rng, group, rare)
    return members


def build_files(seed: int) -> dict[str, bytes]:
    """Return {"20news-bydate.tar.gz": bytes}, deterministic in `seed`."""
    return {ARCHIVE: tar_gz_bytes(archive_members(seed))}
