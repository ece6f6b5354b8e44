"""Small builders shared by the data-layer tests."""

from __future__ import annotations

import hashlib

from hundreddays.data.registry import FileSpec


def spec_for(payload: bytes, urls, kind: str = "sha256", name: str = "f.bin", size=True,
             fmt: str = "gz", value: str | None = None) -> FileSpec:
    """Return a FileSpec of dataset 'toy' whose checksum matches `payload` (unless `value`)."""
    if value is None and kind != "none":
        algo = {"sha256": "sha256", "md5": "md5", "torchhub": "sha256", "fastai": "md5"}[kind]
        data = payload[: 1 << 20] if kind == "fastai" else payload
        value = hashlib.new(algo, data).hexdigest()[: 8 if kind == "torchhub" else None]
    return FileSpec(dataset="toy", name=name, urls=tuple(urls),
                    size=len(payload) if size else None, checksum_kind=kind, checksum_value=value,
                    checksum_source="test", format=fmt, extract=False)
