"""Reading the workflow's YAML tables (datasets.yaml, studies.yaml) against their JSON schemas,
with errors that name the file and the key."""

from __future__ import annotations

import functools
import os
from importlib.resources import files
from pathlib import Path

import jsonschema
import yaml


@functools.cache
def schema(name: str) -> dict:
    """The package's schema `schemas/<name>`."""
    return yaml.safe_load((files("hundreddays") / "schemas" / name).read_text(encoding="utf-8"))


def first_error(doc: object, schema_: dict, where: str = "") -> str | None:
    """"<key>: <message>" of the first place where `doc` breaks `schema_` (keys under `where`),
    or None when it is valid."""
    errors = sorted(jsonschema.Draft202012Validator(schema_).iter_errors(doc),
                    key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        return None
    e = errors[0]
    key = ".".join(map(str, [where, *e.absolute_path] if where else e.absolute_path))
    return f"{key or '(top level)'}: {e.message}"


def read_checked(path: str | os.PathLike, schema_name: str, what: str,
                 error: type[Exception]) -> dict:
    """Read the YAML file `path` (`what`, e.g. "the study table") and check it against
    schemas/<schema_name>; raise `error` naming the file and the key otherwise."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise error(f"{path}: cannot read {what}: {err}") from err
    problem = first_error(raw, schema(schema_name))
    if problem:
        raise error(f"{path}: {problem}")
    return raw
