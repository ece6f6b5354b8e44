"""The rule of tests/helpers/real_data.py: a test that needs ../shared/real-data (or the rest of
../shared: the log, its figures) reads it when it is there, is skipped naming the folder when it
is not, and fails when it is not under CI."""

import ast
from pathlib import Path

import pytest
import real_data


@pytest.fixture
def shared(tmp_path, monkeypatch):
    """A stand-in for ../shared/real-data holding one file, a.csv."""
    folder = tmp_path / "shared" / "real-data"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text("x\n")
    monkeypatch.setattr(real_data, "REAL_DATA", folder)
    return folder


@pytest.mark.parametrize("ci", [None, "true"])
def test_present_gives_the_path(shared, monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    assert real_data.real("a.csv") == shared / "a.csv"
    assert real_data.real() == shared


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_absent_skips_naming_the_folder(shared, monkeypatch, ci):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match=r"\.\./shared/real-data .*README"):
        real_data.real("mnist", "t10k-labels-idx1-ubyte.gz")


@pytest.mark.parametrize("ci", ["true", "TRUE", "1"])
def test_absent_under_ci_fails(shared, monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match=rf"{shared / 'b.csv'} is missing.*CI=true"):
        real_data.real("b.csv")


@pytest.mark.parametrize("ci", [None, "true"])
def test_the_rest_of_shared_is_skipped_or_failed_alike(shared, monkeypatch, ci):
    monkeypatch.setattr(real_data, "SHARED", shared.parent)
    (shared.parent / "seed").mkdir()
    (shared.parent / "seed" / "log.md").write_text("# Day 1\n")
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    assert real_data.shared("seed", "log.md") == shared.parent / "seed" / "log.md"
    missing = shared.parent / "reference-figures"
    outcome = pytest.skip.Exception if ci is None else pytest.fail.Exception
    with pytest.raises(outcome, match=rf"{missing} is missing: .*\.\./shared"):
        real_data.shared("reference-figures")


def test_ci_run_exports_ci_true():
    """.ci/run runs the suite with CI=true, so CI never skips the genuine-data tests."""
    script = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()
    lines = [line.strip() for line in script.splitlines()]
    assert "export CI=true" in lines
    assert lines.index("export CI=true") < lines.index("make test")


def _strings_outside_docstrings(path: Path) -> list[str]:
    """Every string constant of the Python file `path`, its docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


def _shared_paths_built(path: Path) -> list[int]:
    """The lines of the Python file `path` that build a path into ../shared themselves
    (`<something>.parent / "shared"`)."""
    return [node.lineno for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
            and isinstance(node.left, ast.Attribute) and node.left.attr == "parent"
            and isinstance(node.right, ast.Constant) and node.right.value == "shared"]


def test_every_test_and_benchmark_reaches_the_genuine_files_through_the_helper():
    """A path to ../shared/real-data (or anything else in ../shared) built anywhere else would
    fail on a fresh clone instead of skipping (the issue's 35 failures), or skip silently under
    CI (test_log_figures.py's skipif on the log did, until it went through the helper)."""
    root = Path(__file__).resolve().parents[2]
    helper = root / "tests" / "helpers" / "real_data.py"
    files = [p for folder in ("tests", "bench", "scripts") for p in (root / folder).rglob("*.py")]
    assert helper in files
    allowed = {helper, Path(__file__).resolve()}  # the helper, and this test of it
    naming = sorted(str(p.relative_to(root)) for p in files if p not in allowed and any(
        "real-data" in s for s in _strings_outside_docstrings(p)))
    assert naming == []
    building = {str(p.relative_to(root)): lines for p in files if p not in allowed
                if (lines := _shared_paths_built(p))}
    assert building == {}
    assert _shared_paths_built(helper)  # the scan sees the helper's own, so it can see others'
