import json
import os

import pytest

from hundreddays.atomic import atomic_path, write_json
from hundreddays.metrics import write_metrics


def test_atomic_path_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_write_json_replaces_atomically(tmp_path):
    target = tmp_path / "a.json"
    write_json(target, {"b": 1, "a": 2})
    assert target.read_text() == '{\n  "a": 2,\n  "b": 1\n}\n'
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600


def test_write_metrics_rejects_bad_values(tmp_path):
    with pytest.raises(ValueError, match="not a finite number"):
        write_metrics(tmp_path / "m.json", {"x": float("nan")})
    with pytest.raises(ValueError, match="snake_case"):
        write_metrics(tmp_path / "m.json", {"Bad Key": 1})
    assert not (tmp_path / "m.json").exists()
    write_metrics(tmp_path / "m.json", {"ok": True, "y": 0.5})
    assert json.loads((tmp_path / "m.json").read_text()) == {"ok": 1, "y": 0.5}
