"""Miniature datasets in their sources' real formats, for the offline demo scale.

`build_demo_mirror` writes `<mirror>/<dataset>/<file>` byte-for-byte in each source's layout
(same archive type, folder and file names, binary headers), deterministic in the seed, so that
the demo runs the same fetch, verify, extract and load code as the full reproduction.
"""

from .build import BUILDERS, build_demo_mirror

__all__ = ["BUILDERS", "build_demo_mirror"]
