"""A pooch downloader over requests that resumes a cut transfer with an HTTP Range request."""

from __future__ import annotations

import os
import time
from pathlib import Path

import requests
from tqdm.auto import tqdm

RETRYABLE = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


def range_start(response: requests.Response) -> int | None:
    """The first byte of a 206 answer, from "Content-Range: bytes START-END/TOTAL"."""
    value = response.headers.get("Content-Range", "")
    try:
        return int(value.removeprefix("bytes ").split("-", 1)[0])
    except ValueError:
        return None


class ResumableDownloader:
    """Pooch downloader: bytes go to a stable `part` file that survives a cut, and the next
    attempt (a retry, or a later run) asks only for the missing bytes."""

    def __init__(self, part: Path, retries: int = 3, timeout: float = 60.0, progress: bool = True,
                 backoff: float = 0.5):
        self.part, self.retries, self.timeout = part, retries, timeout
        self.progress, self.backoff = progress, backoff

    def __call__(self, url: str, output_file, pooch_obj=None, check_only: bool = False):
        """Download `url` into the part file, then move it to pooch's `output_file` (a rename on
        the same filesystem: no second copy of a multi-GB file)."""
        for attempt in range(self.retries + 1):
            try:
                self._download(url)
                break
            except RETRYABLE:
                if attempt == self.retries:
                    raise
                time.sleep(self.backoff * 2**attempt)
            except requests.HTTPError as err:
                status = err.response.status_code if err.response is not None else 0
                if status < 500 or attempt == self.retries:
                    raise
                time.sleep(self.backoff * 2**attempt)
        os.replace(self.part, output_file)

    def _download(self, url: str) -> None:
        have = self.part.stat().st_size if self.part.exists() else 0
        # identity: the bytes as published (requests would silently gunzip a .gz that a server
        # sends with Content-Encoding: gzip, and the checksum would then fail)
        headers = {"Accept-Encoding": "identity"}
        if have:
            headers["Range"] = f"bytes={have}-"
        with requests.get(url, headers=headers, stream=True, timeout=self.timeout) as r:
            if r.status_code == 416:  # the part file already holds every byte
                return
            r.raise_for_status()
            if have and (r.status_code != 206 or range_start(r) != have):
                have = 0  # the server ignored Range or sent another span: start over
            total = int(r.headers.get("Content-Length", 0)) + have or None
            with open(self.part, "ab" if have else "wb") as f, tqdm(
                total=total, initial=have, unit="B", unit_scale=True, disable=not self.progress,
                desc=self.part.name.removesuffix(".part"),
            ) as bar:
                for chunk in r.iter_content(chunk_size=1 << 16):
                    f.write(chunk)
                    bar.update(len(chunk))
            if total is not None and self.part.stat().st_size < total:
                raise requests.exceptions.ChunkedEncodingError(
                    f"transfer cut at {self.part.stat().st_size} of {total} bytes")
