"""onnx_export (day 29): the explicit transforms reproduce fastai's validation input, the export
runs in onnxruntime like torch, and raw pixels change the predictions."""

import json

import numpy as np
import pytest
import torch
from miniatures import pets_images

from hundreddays.fastai_vision import make_dataloaders, make_learner
from hundreddays.runner import Context, Reference
from hundreddays.studies import onnx_export as study
from hundreddays.studies import pets


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return pets_images(tmp_path_factory.mktemp("pets"))


def recipe_for(files, item_size=40, size=32):
    from fastai.vision.core import imagenet_stats

    return {"arch": "resnet18", "pretrained": False, "n_out": 37, "item_size": item_size,
            "size": size, "mean": list(imagenet_stats[0]), "std": list(imagenet_stats[1]),
            "vocab": sorted({f.name.rsplit("_", 1)[0] for f in files}),
            "valid_files": pets.split_names(files, 0.2, seed=0)}


def test_split_is_fastais_random_splitter(files):
    from fastai.data.transforms import RandomSplitter

    _, valid = RandomSplitter(valid_pct=0.2, seed=5)(files)
    assert pets.split_names(files, 0.2, seed=5) == sorted(files[i].name for i in valid)


@pytest.mark.parametrize("item_size,size", [(40, 32), (36, 36)])
def test_explicit_transforms_reproduce_fastais_validation_batch(files, item_size, size):
    recipe = recipe_for(files, item_size, size)
    dls = make_dataloaders(files, recipe, torch.device("cpu"), bs=8)
    batch, _ = dls.valid.one_batch()
    items = dls.valid_ds.items[:len(batch)]
    pixels = np.stack([study.load_pixels(p, recipe) for p in items])
    assert pixels.shape == (len(batch), 3, size, size)
    explicit = study.explicit_transform(pixels, recipe)
    assert np.abs(explicit - batch.numpy()).max() < 1e-4
    assert np.abs(pixels - batch.numpy()).max() > 10  # raw pixels are far from fastai's input


def test_saved_model_rebuilds_the_same_learner(files, tmp_path):
    recipe = recipe_for(files)
    dls = make_dataloaders(files, recipe, torch.device("cpu"), bs=16)
    learn = make_learner(dls, recipe, None, tmp_path)
    batch, _ = dls.valid.one_batch()
    with torch.no_grad():
        before = learn.model.eval()(batch)
    pets.save_model(learn, recipe, tmp_path / "model.pth", tmp_path / "model.json")
    pets.save_model(learn, recipe, tmp_path / "again.pth", tmp_path / "again.json")
    assert (tmp_path / "model.pth").read_bytes() == (tmp_path / "again.pth").read_bytes()
    assert json.loads((tmp_path / "model.json").read_text())["vocab"] == recipe["vocab"]
    rebuilt = study.rebuild_learner(files, study.read_recipe(tmp_path / "model.json"),
                                    tmp_path / "model.pth", tmp_path, bs=16)
    with torch.no_grad():
        after = rebuilt.model(batch)
    assert torch.equal(before, after)
    assert list(rebuilt.dls.vocab) == recipe["vocab"]


def test_export_runs_in_onnxruntime_like_torch(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(),
                                torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                                torch.nn.Linear(8, 5)).eval()
    facts = study.export(model, 16, tmp_path / "m.onnx", dynamo=False, opset=17)
    assert facts["opset"] == 17 and facts["onnx_bytes"] > 0
    x = np.random.default_rng(0).normal(size=(3, 3, 16, 16)).astype(np.float32)
    got = study.run_onnx(tmp_path / "m.onnx", x)
    want = torch.softmax(model(torch.from_numpy(x)), dim=1).detach().numpy()
    assert np.abs(got - want).max() < 1e-5
    assert np.allclose(got.sum(1), 1, atol=1e-5)


def test_compare_and_summarize():
    ref = np.array([[0.7, 0.3], [0.2, 0.8], [0.6, 0.4]])
    other = np.array([[0.6, 0.4], [0.3, 0.7], [0.4, 0.6]])
    got = study.compare(ref, other)
    assert got["max_prob_diff"] == pytest.approx(0.2)
    assert got["top1_agreement"] == pytest.approx(2 / 3)
    facts = {"opset": 18, "onnx_nodes": 3, "onnx_bytes": 2e6, "export_seconds": 1.0}
    metrics = study.summarize(got, got, 0.5, 0.5, facts, 3, 0.01)
    for key in ("explicit_transforms_max_prob_diff", "explicit_transforms_top1_agreement",
                "raw_input_top1_agreement", "raw_input_max_prob_diff"):
        assert key in metrics


def test_recipe_errors_name_file_and_key(tmp_path):
    path = tmp_path / "model.json"
    with pytest.raises(FileNotFoundError, match="model.json"):
        study.read_recipe(path)
    path.write_text(json.dumps({"arch": "resnet18"}))
    with pytest.raises(ValueError, match="vocab"):
        study.read_recipe(path)


def test_run_compares_fastai_with_onnx_and_plots(files, tmp_path):
    """The study's entry on pets' two outputs (here an untrained learner's), with the legacy
    exporter (faster than dynamo): explicit transforms agree with fastai, raw pixels do not."""
    recipe = recipe_for(files)
    dls = make_dataloaders(files, recipe, torch.device("cpu"), bs=16)
    torch.manual_seed(0)
    pets.save_model(make_learner(dls, recipe, None, tmp_path), recipe, tmp_path / "model.pth",
                    tmp_path / "model.json")
    inputs = {"data": str(files[0].parents[2]), "model": str(tmp_path / "model.pth"),
              "recipe": str(tmp_path / "model.json")}
    cfg = {"bs": 16, "dynamo": False, "opset": 17, "figure_images": 2}
    ctx = Context(study="onnx_export", cfg=cfg, inputs=inputs,
                  outputs={"onnx": str(tmp_path / "pets.onnx")}, workdir=tmp_path,
                  log=lambda _: None)
    result = study.run(ctx)
    m = result["metrics"]
    assert m["valid_images"] == len(recipe["valid_files"])
    assert m["explicit_transforms_top1_agreement"] == 1.0
    assert m["explicit_transforms_max_prob_diff"] < 1e-4
    assert m["raw_input_max_prob_diff"] > 1e-3
    assert m["onnx_explicit_accuracy"] == m["fastai_accuracy"]
    assert m["onnx_opset"] == 17
    assert m["onnx_megabytes"] == pytest.approx((tmp_path / "pets.onnx").stat().st_size / 1e6)
    assert m["onnxruntime_seconds_per_image"] > 0 and m["export_seconds"] > 0
    assert len(result["images"]) == len(result["truth"]) == 2
    assert set(result["probs"]) == {"fastai", "ONNX explicit", "ONNX raw"}
    study.plot(result, tmp_path / "f.png", Reference({}))
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


EXPORT_SCRIPT = '''
import sys
import torch
from hundreddays.studies import onnx_export as study


class Net(torch.nn.Module):  # defined here, so that its source path differs between the copies
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.head = torch.nn.Linear(4, 5)

    def forward(self, x):
        pooled = torch.nn.functional.adaptive_avg_pool2d(self.conv(x).relu(), 1)
        return self.head(pooled[:, :, 0, 0])


torch.manual_seed(0)
study.export(Net().eval(), 16, sys.argv[1], dynamo=True, opset=18)
'''


def test_export_is_the_same_bytes_from_two_processes_and_paths(tmp_path):
    """Issue 13: the demo's ONNX file size differed between two clones. The dynamo exporter
    records each node's stack trace with absolute source paths; two fresh processes, each
    running the export from a script in a folder of another length (as two clones are), must
    write the same bytes."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = str(Path(study.__file__).parents[2])
    outputs = []
    for folder in ("a", "a_longer_clone_folder"):
        script = tmp_path / folder / "export_twice.py"
        script.parent.mkdir()
        script.write_text(EXPORT_SCRIPT)
        out = tmp_path / f"{folder}.onnx"
        env = {**os.environ, "PYTHONPATH": src}
        subprocess.run([sys.executable, str(script), str(out)], check=True, env=env,
                       capture_output=True, timeout=300)
        outputs.append(out.read_bytes())
    assert len(outputs[0]) == len(outputs[1])
    assert outputs[0] == outputs[1]


def test_strip_source_paths_removes_stack_traces_only():
    import onnx
    from onnx import helper

    node = helper.make_node("Relu", ["x"], ["y"], doc_string='File "/a/b.py", line 1')
    helper.set_metadata_props(node, {"pkg.torch.onnx.stack_trace": 'File "/a/b.py"',
                                     "namespace": "relu"})
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", 1, [1])],
                              [helper.make_tensor_value_info("y", 1, [1])])
    proto = helper.make_model(graph)
    assert study.strip_source_paths(proto) == 2
    assert node_props(proto) == {"namespace": "relu"}
    assert proto.graph.node[0].doc_string == ""
    onnx.checker.check_model(proto)


def node_props(proto) -> dict:
    return {p.key: p.value for p in proto.graph.node[0].metadata_props}
