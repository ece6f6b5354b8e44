import numpy as np

from hundreddays.studies import mnist_logreg as study


def separable_digits(n, seed):
    """Ten fixed random templates plus noise: a linear model must learn them."""
    rng = np.random.default_rng(seed)
    templates = np.random.default_rng(99).uniform(0, 255, (10, 28, 28))
    labels = rng.integers(0, 10, n)
    images = np.clip(templates[labels] + rng.normal(0, 60, (n, 28, 28)), 0, 255).astype(np.uint8)
    return images, labels


def data():
    xtr, ytr = separable_digits(600, 0)
    xte, yte = separable_digits(200, 1)
    return {"train_images": xtr, "train_labels": ytr, "test_images": xte, "test_labels": yte}


def test_logistic_regression_learns_and_is_deterministic(tmp_path):
    a = study.run(data(), epochs=3, batch_size=32, lr=1e-2, seed=0, log=lambda s: None)
    b = study.run(data(), epochs=3, batch_size=32, lr=1e-2, seed=0, log=lambda s: None)
    assert a["metrics"]["test_accuracy"] > 0.9
    assert a["history"][-1]["train_loss"] < a["history"][0]["train_loss"]
    assert [h["test_loss"] for h in a["history"]] == [h["test_loss"] for h in b["history"]]
    study.plot(a, tmp_path / "m.png", 0.925)
    assert (tmp_path / "m.png").stat().st_size > 1000


def test_limits_and_model_shape():
    r = study.run(data(), epochs=1, batch_size=64, lr=1e-3, seed=0, train_limit=100,
                  test_limit=50, log=lambda s: None)
    assert r["metrics"]["train_images"] == 100 and r["metrics"]["test_images"] == 50
    linear = r["model"][1]
    assert tuple(linear.weight.shape) == (10, 784)
