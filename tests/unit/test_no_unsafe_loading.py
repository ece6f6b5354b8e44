"""Nothing downloaded is ever unpickled: torch.load only with weights_only=True, no unpickling
(pickle.load/loads/Unpickler, no other pickling module), no numpy/pandas pickle loading, anywhere
in the package or the rule scripts. Writing a pickle is allowed (the newsgroups loader writes
scikit-learn's cache from the parsed posts, for fetch_20newsgroups to read back)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "src").rglob("*.py"), *(ROOT / "scripts").glob("*.py")])
PICKLERS = {"cPickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"}
UNPICKLING = {"load", "loads", "Unpickler"}  # of the pickle module


def _name(node: ast.AST) -> str:
    """Dotted name of a call target: torch.load, np.load, pd.read_pickle, ..."""
    if isinstance(node, ast.Attribute):
        return f"{_name(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _true(call: ast.Call, keyword: str) -> bool:
    return any(k.arg == keyword and isinstance(k.value, ast.Constant) and k.value.value is True
               for k in call.keywords)


def problems(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                node.module or ""]
            found += [f"line {node.lineno}: imports {m}" for m in modules
                      if m.split(".")[0] in PICKLERS]
            if isinstance(node, ast.ImportFrom) and node.module == "pickle":
                found += [f"line {node.lineno}: imports pickle.{a.name}" for a in node.names
                          if a.name in UNPICKLING | {"*"}]
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name.endswith("torch.load") and not _true(node, "weights_only"):
                found.append(f"line {node.lineno}: torch.load without weights_only=True")
            if name.endswith(".load") and _true(node, "allow_pickle"):
                found.append(f"line {node.lineno}: {name}(allow_pickle=True)")
            if name.startswith("pickle.") and name.split(".", 1)[1] in UNPICKLING:
                found.append(f"line {node.lineno}: {name}")
            if name.endswith("read_pickle"):
                found.append(f"line {node.lineno}: {name}")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_unpickling(path):
    assert problems(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_scan_catches_each_pattern():
    code = ("import pickle\nimport joblib\nimport torch\nimport numpy as np\nimport pandas as pd\n"
            "from pickle import loads\npickle.load(f)\npickle.Unpickler(f)\n"
            "torch.load('m.pt')\ntorch.load('m.pt', weights_only=False)\n"
            "np.load('a.npy', allow_pickle=True)\npd.read_pickle('x')\n"
            "torch.load('ok.pt', weights_only=True)\npickle.dumps(x)\n")
    found = problems(ast.parse(code))
    assert len(found) == 8, found
