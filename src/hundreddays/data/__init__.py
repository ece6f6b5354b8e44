"""The data path: registry, fetch (mirror, resume, checksums, lock file), safe extraction."""
