"""The software a run ran on. requirements.lock holds every package with its version and the
sha256 of its files, resolved from pyproject.toml's pins by `make lock`; a run records the lock's
sha256 and every installed distribution's version in environment.txt (pip-freeze lines under a
header of `# key: value` lines), and says where the installation differs from the lock.
"""

from __future__ import annotations

import hashlib
import platform
import re
import sys
from importlib import metadata
from pathlib import Path

LOCK_FILE = "requirements.lock"
RECORD_FILE = "environment.txt"
# the versions REPORT.md names; environment.txt has all of them
KEY_PACKAGES = ("torch", "torchvision", "numpy", "scipy", "scikit-learn", "pandas", "fastai",
                "gpytorch", "linear-operator", "snakemake")
# installed but never in the lock: the project itself (`pip install --no-deps -e .`) and the
# installer, which the Makefile pins
PROJECT = "hundreddays"
NOT_LOCKED = (PROJECT, "pip")
_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)(?:\s*\\)?$")
_PLATFORM = re.compile(r"^# for (.+?);")


class LockError(ValueError):
    """A lock file that is not a list of exactly pinned, hashed requirements."""


def normalize(name: str) -> str:
    """A distribution name in the form pip compares names in (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def sha256_of(path: str | Path) -> str:
    """The sha256 of a file's bytes, in hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_lock(path: str | Path) -> dict[str, str]:
    """{normalized name: version} of each requirement of the lock file `path`; each must be pinned
    with == and carry at least one --hash."""
    path = Path(path)
    locked: dict[str, str] = {}
    hashed: set[str] = set()
    current = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if line[0].isspace():
            if current and text.startswith("--hash=sha256:"):
                hashed.add(current)
            continue
        match = _REQUIREMENT.match(text)
        if not match:
            raise LockError(f"{path}, line {number}: {text!r} is not a name==version requirement "
                            "(regenerate the lock with `make lock`)")
        current = normalize(match.group(1))
        locked[current] = match.group(2)
    unhashed = sorted(set(locked) - hashed)
    if unhashed:
        raise LockError(f"{path}: no --hash for {', '.join(unhashed)} (regenerate it with "
                        "`make lock`)")
    return locked


def lock_platform(path: str | Path) -> str:
    """The platform the lock was made for (its `# for ...;` header line), or "unknown"."""
    for line in Path(path).read_text(encoding="utf-8").splitlines()[:10]:
        if match := _PLATFORM.match(line):
            return match.group(1)
    return "unknown"


def pin_conflicts(pyproject: str | Path, lock: str | Path) -> list[str]:
    """Each requirement of pyproject.toml (its dependencies and its test extra) that the lock's
    version does not satisfy, or that the lock lacks: a pin changed without `make lock`."""
    import tomllib  # Python 3.11; only the check needs it

    from packaging.requirements import Requirement

    project = tomllib.loads(Path(pyproject).read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project.get("optional-dependencies", {}).get("test", [])]
    locked = read_lock(lock)
    conflicts = []
    for text in wanted:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"extra": "test"}):
            continue
        version = locked.get(normalize(req.name))
        if version is None:
            conflicts.append(f"{req}: pyproject.toml asks for it, {Path(lock).name} lacks it")
        elif not req.specifier.contains(version, prereleases=True):
            conflicts.append(f"{req}: {Path(lock).name} has {version}")
    return conflicts


def installed_versions() -> dict[str, str]:
    """{normalized name: version} of every distribution this interpreter can import (the first
    one found on sys.path, as import takes it)."""
    versions: dict[str, str] = {}
    for dist in metadata.distributions():
        versions.setdefault(normalize(dist.metadata["Name"]), dist.version)
    return dict(sorted(versions.items()))


def installed_fingerprint() -> str:
    """A cheap sha256 of what is installed: the names of the dist-info folders on sys.path (they
    carry name and version), each once, the project's own left out (its code is not the
    environment; an editable install may show it twice). It changes when a package is added,
    removed or changes version."""
    names = {p.name for entry in sys.path if Path(entry or ".").is_dir()
             for p in Path(entry or ".").iterdir()
             if p.suffix in (".dist-info", ".egg-info") and not p.name.startswith(PROJECT)}
    return hashlib.sha256("\n".join(sorted(names)).encode()).hexdigest()


def lock_differences(installed: dict[str, str], locked: dict[str, str]) -> list[str]:
    """Where the installation differs from the lock, one line a package, by name."""
    lines = []
    for name in sorted(set(installed) | set(locked)):
        have, want = installed.get(name), locked.get(name)
        if have == want or (want is None and name in NOT_LOCKED):
            continue
        if want is None:
            lines.append(f"{name} {have}: installed, not in the lock")
        elif have is None:
            lines.append(f"{name} {want}: in the lock, not installed")
        else:
            lines.append(f"{name}: installed {have}, the lock has {want}")
    return lines


def record_text(lock: str | Path | None) -> str:
    """environment.txt: the interpreter, the lock file's name, sha256 and platform, how the
    installation compares with the lock, then `name==version` of every installed distribution."""
    installed = installed_versions()
    header = [
        "# The software this run ran on (hundreddays.environment); one name==version a line",
        f"# python: {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.machine()}",
    ]
    if lock is not None and Path(lock).is_file():
        lock = Path(lock)
        differences = lock_differences(installed, read_lock(lock))
        header += [
            f"# lock: {lock.name}",
            f"# lock_for: {lock_platform(lock)}",
            f"# lock_sha256: {sha256_of(lock)}",
            "# against_lock: " + ("matches" if not differences else
                                  f"{len(differences)} differences"),
            *(f"# differs: {line}" for line in differences),
        ]
    else:
        header += [f"# lock: none ({lock or LOCK_FILE} not found)",
                   "# against_lock: not checked"]
    return "\n".join([*header, *(f"{name}=={v}" for name, v in installed.items())]) + "\n"


def read_record(path: str | Path) -> dict:
    """environment.txt read back: its header keys ("differs" as a list) and "versions"
    ({name: version})."""
    record: dict = {"differs": [], "versions": {}}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("# ") and ": " in line:
            key, value = line[2:].split(": ", 1)
            if key == "differs":
                record["differs"].append(value)
            else:
                record[key] = value
        elif "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            record["versions"][name] = version
    return record


def report_lines(record: dict, link: str) -> list[str]:
    """REPORT.md's section on the software: the lock's sha256, how the installation compares with
    it, the key packages' versions, and a link to the full list."""
    versions = record["versions"]
    if "lock_sha256" in record:
        lock = (f"Lock file `{record['lock']}` (sha256 `{record['lock_sha256']}`, made for "
                f"{record.get('lock_for', 'an unknown platform')}): ")
        lock += ("the installed versions match it exactly." if record.get("against_lock") ==
                 "matches" else "the installation differs from it: " +
                 "; ".join(record["differs"]) + ".")
    else:
        lock = f"No lock file: {record.get('lock', 'none')}; versions not checked against one."
    keys = ", ".join(f"{name} {versions[name]}" for name in KEY_PACKAGES if name in versions)
    return ["## Environment", "", lock, "",
            f"Python {record.get('python', 'unknown')}; {keys}. Every installed version: "
            f"[`{link}`]({link})."]
