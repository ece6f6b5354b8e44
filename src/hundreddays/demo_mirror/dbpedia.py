"""Miniature DBpedia 3.5.1: redirects_en.nt.bz2 and page_links_en.nt.bz2 for a few hundred pages.

Pages get real-looking Wikipedia titles (a few with the N-Triples \\uXXXX or percent escapes the
real dumps hold). Links pick their targets with Zipf-like weights, so a few hub pages (countries,
cities) collect most in-links; some pages link nowhere (dangling). The redirects hold
capitalisation variants, a chain (U.S. -> USA -> United_States), a cycle of two names, and the
page links point to redirect names in place of some targets, so the loader must resolve them.
"""

from __future__ import annotations

import bz2

import numpy as np

DATASET = "dbpedia"
RESOURCE = "http://dbpedia.org/resource/"
REDIRECT_PREDICATE = "http://dbpedia.org/property/redirect"
LINK_PREDICATE = "http://dbpedia.org/property/wikilink"

# Most-linked first: the Zipf weights follow this order, so these become the hubs.
HUBS = [
    "United_States", "United_Kingdom", "France", "Germany", "England", "Canada", "World_War_II",
    "London", "Japan", "Australia", "India", "Italy", "Association_football", "New_York_City",
    "Paris", "Europe", "California", "Latin", "English_language", "Music_genre",
    "Z\\u00FCrich", "S%C3%A3o_Paulo", "Python_%28programming_language%29", "Caf\\u00E9_de_Flore",
]
FIRST = ["John", "Mary", "Albert", "Marie", "Ludwig", "Ada", "Isaac", "Jane", "Charles", "Emily",
         "Karl", "Sofia", "Pierre", "Clara", "Hans", "Nina"]
LAST = ["Smith", "Curie", "Einstein", "Lovelace", "Newton", "Austen", "Darwin", "Bront\\u00EB",
        "Marx", "Kovalevskaya", "Schumann", "Bohr", "Dvo%C5%99%C3%A1k", "Fermi", "Turing"]
PLACES = ["Springfield", "Riverside", "Fairview", "Georgetown", "Franklin", "Clinton", "Salem",
          "Madison", "Oxford", "Dover"]
STATES = ["Illinois", "Ohio", "Texas", "Oregon", "Maine", "Georgia", "Kentucky", "Vermont"]
WORKS = ["The_Silent_River", "Blue_Horizon", "Northern_Lights", "A_Winter_Tale", "Red_Harvest",
         "Glass_Garden", "Midnight_Train", "Paper_Moon", "Iron_Bridge", "Golden_Hour"]
KINDS = ["(album)", "(film)", "(novel)", "(song)"]
QUALIFIERS = ["footballer", "politician", "painter", "band", "album", "ship", "river", "village"]


def page_names(rng: np.random.Generator, pages: int) -> list[str]:
    """Return `pages` distinct titles: the hubs first, then people, towns and works at random."""
    pool = [f"{f}_{last}" for f in FIRST for last in LAST]
    pool += [f"{p},_{s}" for p in PLACES for s in STATES]
    pool += [f"{w}_{k}" for w in WORKS for k in KINDS]
    if pages - len(HUBS) > len(pool):  # the rehearsal's bigger graph: disambiguated titles too
        base, n = list(pool), 1
        while pages - len(HUBS) > len(pool):
            pool += [f"{name}_({q}_{n})" for q in QUALIFIERS for name in base]
            n += 1
    others = [pool[i] for i in rng.permutation(len(pool))[: pages - len(HUBS)]]
    if len(HUBS) + len(others) < pages:
        raise ValueError(f"the miniature has names for at most {len(HUBS) + len(pool)} pages")
    return HUBS + others


def link_lists(rng: np.random.Generator, pages: int, mean_links: float,
               dangling: float) -> list[np.ndarray]:
    """Return each page's distinct link targets (no self-links): targets drawn with weight
    1 / (rank + 1)^1.1 (heavy-tailed in-degree), out-degrees geometric, a `dangling` fraction
    of pages with none."""
    weights = 1.0 / np.arange(1, pages + 1) ** 1.1
    out = []
    for page in range(pages):
        degree = 0 if rng.random() < dangling else min(rng.geometric(1.0 / mean_links), pages - 1)
        w = weights.copy()
        w[page] = 0.0
        out.append(rng.choice(pages, size=degree, replace=False, p=w / w.sum()))
    return out


def redirect_pairs(rng: np.random.Generator, names: list[str]) -> list[tuple[str, str]]:
    """Return (redirect name, target name): the chain U.S. -> USA -> United_States, a cycle of
    two names, and lower-case-word variants of some other titles."""
    pairs = [("U.S.", "USA"), ("USA", "United_States"), ("UK", "United_Kingdom"),
             ("Football_(soccer)", "Association_football"), ("NYC", "New_York_City"),
             ("Redirect_loop_(disambiguation)", "Redirect_loop"),
             ("Redirect_loop", "Redirect_loop_(disambiguation)")]
    taken = {a for a, _ in pairs} | set(names)
    for i in rng.permutation(len(names))[:30]:
        variant = names[i][0] + names[i][1:].lower()
        if variant not in taken:
            pairs.append((variant, names[i]))
            taken.add(variant)
    return pairs


def triple(subject: str, predicate: str, obj: str) -> str:
    return f"<{RESOURCE}{subject}> <{predicate}> <{RESOURCE}{obj}> .\n"


def build_files(seed: int, pages: int = 300, mean_links: float = 8.0,
                dangling: float = 0.05) -> dict[str, bytes]:
    """Return {file name: bz2 bytes} of the two DBpedia files, deterministic in `seed`."""
    rng = np.random.default_rng([seed, 12])
    names = page_names(rng, pages)
    redirects = redirect_pairs(rng, names)
    aliases: dict[str, list[str]] = {}
    for alias, target in redirects:
        aliases.setdefault(target, []).append(alias)
    aliases["United_States"] = ["USA", "U.S."]  # links name both ends of the chain
    link_lines = []
    for page, targets in enumerate(link_lists(rng, pages, mean_links, dangling)):
        for t in targets:
            name = names[t]
            if name in aliases and rng.random() < 0.3:  # link to a redirect name
                name = aliases[name][rng.integers(len(aliases[name]))]
            link_lines.append(triple(names[page], LINK_PREDICATE, name))
    # fixed cases: a page links to a page and to its redirect (one link once resolved), pages
    # link into the redirect cycle, and a redirect page links to its own target (a self-loop
    # once resolved)
    link_lines += [triple(names[-1], LINK_PREDICATE, "United_States"),
                   triple(names[-1], LINK_PREDICATE, "U.S."),
                   triple(names[-2], LINK_PREDICATE, "Redirect_loop"),
                   triple(names[-3], LINK_PREDICATE, "Redirect_loop_(disambiguation)"),
                   triple("Redirect_loop", LINK_PREDICATE, names[-4]),
                   triple("UK", LINK_PREDICATE, "United_Kingdom")]
    redirect_lines = [triple(a, REDIRECT_PREDICATE, t) for a, t in redirects]
    return {
        "redirects_en.nt.bz2": bz2.compress("".join(redirect_lines).encode("utf-8"), 9),
        "page_links_en.nt.bz2": bz2.compress("".join(link_lines).encode("utf-8"), 9),
    }
