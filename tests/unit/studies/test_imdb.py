"""Day 24 IMDB / ULMFiT: the miniature archive, the loaders (reviews, WT103 weights and vocabulary
read without unpickling), the encoder hand-over and the study's summary, table and figure."""

import io
import os
import pickle  # only to WRITE reference pickles; the package never unpickles
import re
import tarfile
import time

import numpy as np
import pandas as pd
import pytest
import torch
from miniatures import extract

from hundreddays.demo_mirror import imdb as mirror
from hundreddays.loaders.imdb import load_imdb, read_vocab, read_wt103_weights, wt103_files
from hundreddays.metrics import table_csv
from hundreddays.runner import Context, Reference
from hundreddays.seeds import seed_everything
from hundreddays.studies import imdb as study

EXAMPLES = [{"text": "I loved this movie!", "label": "pos"},
            {"text": "Normally I like western, but this plot was weak", "label": "neg"}]


@pytest.fixture(scope="module")
def archive():
    start = time.perf_counter()
    data = mirror.build_files(0)
    return data, time.perf_counter() - start


@pytest.fixture(scope="module")
def extracted(archive, tmp_path_factory):
    root = tmp_path_factory.mktemp("imdb")
    extract(archive[0][mirror.ARCHIVE], root)
    return root


# --- demo archive -------------------------------------------------------------------------------

def test_archive_is_deterministic_small_and_fast(archive):
    data, seconds = archive
    assert list(data) == ["imdb.tgz"] and mirror.DATASET == "imdb"
    assert mirror.build_files(0) == data
    assert mirror.build_files(1)["imdb.tgz"] != data["imdb.tgz"]
    assert len(data["imdb.tgz"]) < 2 * 2**20 and seconds < 3


def test_archive_has_the_real_layout(archive):
    with tarfile.open(fileobj=io.BytesIO(archive[0]["imdb.tgz"])) as tar:
        names = tar.getnames()
    assert {n.split("/")[0] for n in names} == {"imdb"}
    for extra in ("imdb/README", "imdb/imdb.vocab", "imdb/train/labeledBow.feat",
                  "imdb/test/labeledBow.feat", "imdb/train/unsupBow.feat"):
        assert extra in names
    n_train, n_test, n_unsup = mirror.COUNTS
    for split, count in (("train", n_train), ("test", n_test)):
        for label, ratings in (("pos", range(7, 11)), ("neg", range(1, 5))):
            files = [n for n in names if re.fullmatch(rf"imdb/{split}/{label}/\d+_\d+\.txt", n)]
            assert len(files) == count
            assert {int(f[:-4].rsplit("_", 1)[1]) for f in files} <= set(ratings)
    assert len([n for n in names if re.fullmatch(r"imdb/unsup/\d+_0\.txt", n)]) == n_unsup


def test_loader_reads_every_review(extracted):
    df = load_imdb(extracted)
    n_train, n_test, n_unsup = mirror.COUNTS
    assert df["split"].value_counts().to_dict() == {"train": 2 * n_train, "test": 2 * n_test,
                                                    "unsup": n_unsup}
    assert (df.loc[df["split"] == "unsup", "label"] == "").all()
    assert set(df.loc[df["split"] != "unsup", "label"]) == {"pos", "neg"}
    assert df["text"].str.contains("<br /><br />").any()
    assert len(load_imdb(extracted, unsup=False)) == 2 * (n_train + n_test)


def test_demo_sentiment_is_learnable_but_not_trivial(extracted):
    """A bag-of-words model beats chance clearly on the demo test split, but not perfectly."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    df = load_imdb(extracted, unsup=False)
    train, test = df[df["split"] == "train"], df[df["split"] == "test"]
    vec = CountVectorizer().fit(train["text"])
    model = LogisticRegression(max_iter=1000).fit(vec.transform(train["text"]), train["label"])
    accuracy = model.score(vec.transform(test["text"]), test["label"])
    assert 0.8 < accuracy


def test_loader_names_what_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="imdb"):
        load_imdb(tmp_path)
    (tmp_path / "imdb" / "train" / "pos").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=r"train[/\\]neg"):
        load_imdb(tmp_path)
    (tmp_path / "imdb" / "train" / "neg").mkdir()
    with pytest.raises(FileNotFoundError, match=r"test/neg, test/pos, unsup missing"):
        load_imdb(tmp_path)  # the whole layout is checked before any review is read
    for folder in ("test/pos", "test/neg", "unsup"):
        (tmp_path / "imdb" / folder).mkdir(parents=True)
    with pytest.raises(ValueError, match="no \\*.txt"):
        load_imdb(tmp_path)


# --- WT103 vocabulary and weights ---------------------------------------------------------------

@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_read_vocab_matches_pickle(tmp_path, protocol):
    vocab = ["xxunk", "xxpad", "the", ",", "é", "naïve", "日本", "the"] + [f"w{i}" for i in
                                                                           range(2500)]
    path = tmp_path / "itos.pkl"
    path.write_bytes(pickle.dumps(vocab, protocol=protocol))
    assert read_vocab(path) == vocab


class _Exploit:
    def __reduce__(self):
        return (os.system, ("echo unpickled > /dev/null",))


@pytest.mark.parametrize("obj", [[_Exploit()], {"a": 1}, ["ok", 3], ("a", "b")])
def test_read_vocab_refuses_anything_else(tmp_path, obj):
    path = tmp_path / "bad.pkl"
    path.write_bytes(pickle.dumps(obj, protocol=4))
    with pytest.raises(ValueError, match="bad.pkl"):
        read_vocab(path)


def test_wt103_files_wants_one_of_each(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "lstm_fwd.pth").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"\*\.pkl"):
        wt103_files(tmp_path)
    (tmp_path / "m" / "itos.pkl").write_bytes(b"")
    assert [p.name for p in wt103_files(tmp_path)] == ["lstm_fwd.pth", "itos.pkl"]
    (tmp_path / "other.pth").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="exactly one"):
        wt103_files(tmp_path)


TINY = {"pretrained": False, "arch": {"emb_sz": 8, "n_hid": 12, "n_layers": 2}, "min_freq": 1,
        "max_vocab": 1000, "moms": [0.8, 0.7, 0.8], "log_every_batches": 0,
        "lm": {"use_unsup": True, "valid_pct": 0.25, "batch_size": 2, "seq_len": 8,
               "drop_mult": 0.3, "head_epochs": 1, "head_lr": 1e-2, "unfrozen_epochs": 1,
               "unfrozen_lr": 1e-2},
        "classifier": {"batch_size": 2, "seq_len": 8, "drop_mult": 0.5, "stages": []}}


@pytest.fixture(scope="module")
def tiny_lm(one_torch_thread):
    """A tiny language model Learner over a few reviews (no training)."""
    from fastai.text.all import AWD_LSTM, language_model_learner

    texts = ["The plot was great !", "The acting was weak .", "I loved this movie !",
             "What a bore of a film ...", "The music is superb and the cast is funny !",
             "Normally I like a western , but this one was dull ."]
    df = pd.DataFrame({"text": texts * 2, "label": ["pos", "neg", "pos", "neg", "pos", "neg"] * 2,
                       "split": ["train"] * 6 + ["test"] * 6})
    seed_everything(0, 1)
    dls = study.lm_dataloaders(df, TINY, 0, torch.device("cpu"))
    learn = language_model_learner(dls, AWD_LSTM, config=study.awd_config(TINY, False),
                                   pretrained=False)
    return df, dls, learn


def test_wt103_weights_are_mapped_onto_the_new_vocabulary(tmp_path, tiny_lm):
    """Our reading of a WT103-style file pair gives what fastai's match_embeds promises: rows of
    known words copied, unknown words get the mean row; the rest of the state dict as saved."""
    _, dls, learn = tiny_lm
    new_vocab = list(dls.vocab)
    old_vocab = ["xxunk", "xxpad", "the", "plot", "zebra", "was", "great"]
    state = {k: v.clone() for k, v in learn.model.state_dict().items()}
    emb_sz = state["0.encoder.weight"].shape[1]
    old_emb = torch.randn(len(old_vocab), emb_sz, generator=torch.Generator().manual_seed(0))
    state["0.encoder.weight"] = old_emb
    state["0.encoder_dp.emb.weight"] = old_emb.clone()
    state["1.decoder.weight"] = old_emb.clone()
    state["1.decoder.bias"] = torch.arange(len(old_vocab), dtype=torch.float32)
    state["0.rnns.0.module.weight_ih_l0"] = torch.full_like(state["0.rnns.0.module.weight_ih_l0"],
                                                            0.25)
    (tmp_path / "wt").mkdir()
    torch.save({"model": state, "opt": {}}, tmp_path / "wt" / "lstm_fwd.pth")
    (tmp_path / "wt" / "itos_wt103.pkl").write_bytes(pickle.dumps(old_vocab, protocol=3))
    weights, vocab_file = wt103_files(tmp_path)
    assert "0.encoder.weight" in read_wt103_weights(weights)
    study.load_wt103(learn, weights, vocab_file)
    got = learn.model[0].encoder.weight.detach()
    mean = old_emb.mean(0)
    for i, word in enumerate(new_vocab):
        want = old_emb[old_vocab.index(word)] if word in old_vocab else mean
        torch.testing.assert_close(got[i], want)
    bias = learn.model[1].decoder.bias.detach()
    assert bias[new_vocab.index("plot")] == old_vocab.index("plot")
    assert torch.all(learn.model[0].rnns[0].module.weight_ih_l0 == 0.25)


def test_encoder_moves_from_lm_to_classifier(tmp_path, tiny_lm):
    df, dls, learn = tiny_lm
    from hundreddays.fastai_support import EpochLog

    torch.nn.init.normal_(learn.model[0].encoder.weight)
    path = study.save_encoder(learn, tmp_path / "enc.pth")
    clas_dls = study.classifier_dataloaders(df, list(dls.vocab), TINY, torch.device("cpu"))
    clas, stages, predicted = study.train_classifier(clas_dls, TINY, path, EpochLog(every=0),
                                                     EXAMPLES)
    assert stages == [] and predicted == []  # no stage, so no prediction
    lm_state = learn.model[0].state_dict()
    clas_state = clas.model[0].module.state_dict()
    assert set(lm_state) == set(clas_state)
    for key, value in lm_state.items():
        torch.testing.assert_close(clas_state[key], value)
    # frozen: only the head trains
    trainable = {n.split(".")[0] for n, p in clas.model.named_parameters() if p.requires_grad}
    assert trainable == {"1"}
    examples = study.predict_examples(clas, EXAMPLES)
    assert [e["label"] for e in examples] == ["pos", "neg"]
    for e in examples:
        assert 0 <= e["p_pos"] <= 1 and e["correct"] == (e["predicted"] == e["label"])
    with pytest.raises(ValueError, match="imdb.examples"):
        study.predict_examples(clas, [{"text": "x", "label": "positive"}])


# --- summary, table, figure ---------------------------------------------------------------------

def _results(p_second=0.6):
    stages = [{"name": "frozen", "freeze_to": -1, "epochs": 1, "accuracy": 0.8},
              {"name": "freeze_to_2", "freeze_to": -2, "epochs": 1, "accuracy": 0.85},
              {"name": "unfrozen", "freeze_to": 0, "epochs": 2, "accuracy": 0.9}]
    log_run = {"name": "frozen", "freeze_to": -1, "epochs": 1, "accuracy": 0.7}
    return {"lm": {"loss": 1.0, "accuracy": 0.3, "perplexity": float(np.e)},
            "lm_head": {"loss": 2.0, "accuracy": 0.2, "perplexity": float(np.e ** 2)},
            "stages": stages, "log_run": log_run,
            "examples": [{"text": "good", "label": "pos", "predicted": "pos", "p_pos": 0.9,
                          "correct": True},
                         {"text": "weak", "label": "neg",
                          "predicted": "pos" if p_second > 0.5 else "neg", "p_pos": p_second,
                          "correct": p_second <= 0.5}],
            "vocab_size": 100, "n_train": 10, "n_valid": 8, "lm_seconds_per_epoch": 2.0,
            "classifier_epoch_seconds": 1.5, "classifier_seconds_total": 6.0}


def test_summary_separates_the_logs_run_from_the_lessons():
    m = study.summarize(_results())
    assert m["log_run_accuracy"] == 0.7 and m["log_run_lm_accuracy"] == 0.2
    assert m["frozen_accuracy"] == 0.8 and m["unfrozen_accuracy"] == 0.9
    assert m["lm_unfreezing_gain"] == pytest.approx(0.1)
    assert m["classifier_unfreezing_gain"] == pytest.approx(0.1)
    assert m["smaller_unfreezing_gain"] == pytest.approx(0.1)
    assert m["example_reviews_correct"] == 0.5
    assert m["example_2_positive_probability"] == 0.6
    assert m["example_positive_probability_gap"] == pytest.approx(0.3)
    assert m["lm_perplexity"] == pytest.approx(np.exp(m["lm_valid_loss"]))
    from hundreddays.metrics import is_timing

    assert {k for k in m if is_timing(k)} == {"lm_seconds_per_epoch", "classifier_epoch_seconds",
                                              "classifier_seconds_total"}


def test_an_unfreezing_that_adds_nothing_is_the_smaller_gain():
    results = _results()
    results["log_run"]["accuracy"] = 0.81  # the language model's unfreezing adds 0.01 - 0.02
    results["stages"][0]["accuracy"] = 0.79
    m = study.summarize(results)
    assert m["smaller_unfreezing_gain"] == pytest.approx(-0.02)


def test_summary_wants_both_example_sentences():
    results = _results()
    results["examples"] = results["examples"][:1]
    with pytest.raises(ValueError, match="imdb.examples"):
        study.summarize(results)


REFERENCE = Reference({"log_run_accuracy": {"reported": 0.842, "compare": {}},
                       "unfrozen_accuracy": {"reported": 0.944, "compare": {}},
                       "example_positive_probability_gap": {"reported": 0.4916, "compare": {}},
                       "classifier_epoch_seconds": {"reported": 203, "compare": {}}})


def test_table_and_figure(tmp_path):
    results = _results()
    rows = study.stage_rows(results["log_run"], results["stages"], REFERENCE)
    assert list(rows[0]) == ["run", "language_model", "stage", "freeze_to", "epochs",
                             "accuracy", "log_accuracy"]
    assert [r["run"] for r in rows] == [study.LOG_RUN, "lesson", "lesson", "lesson"]
    assert [r["log_accuracy"] for r in rows] == [0.842, "", "", 0.944]
    assert rows[0]["accuracy"] == 0.7 and rows[3]["accuracy"] == 0.9
    assert table_csv(rows).splitlines()[3] == "lesson,then unfrozen,freeze_to_2,-2,1,0.85,"
    assert [r["log_accuracy"] for r in study.stage_rows(results["log_run"], results["stages"],
                                                        Reference({}))] == [""] * 4
    results["metrics"] = study.summarize(results)
    results["table"] = rows
    path = tmp_path / "imdb.png"
    study.plot(results, path, REFERENCE)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


REVIEWS = {"pos": ["I loved this movie , the cast is superb !", "A great and funny film .",
                   "The music is wonderful and the plot great ."],
           "neg": ["What a bore , the plot was weak .", "The acting was dull and awful .",
                   "I hated this film , a waste of time ."]}


def _reviews(root):
    """A handful of reviews in the IMDB archive's layout."""
    for split in ("train", "test"):
        for label, texts in REVIEWS.items():
            folder = root / "imdb" / split / label
            folder.mkdir(parents=True)
            for i, text in enumerate(texts):
                (folder / f"{i}_{8 if label == 'pos' else 2}.txt").write_text(text)
    (root / "imdb" / "unsup").mkdir()
    (root / "imdb" / "unsup" / "0_0.txt").write_text("A film about a cast and a plot .")
    return root


def test_run_gives_metrics_stage_table_and_figure(tmp_path):
    stages = [{"name": "frozen", "freeze_to": -1, "epochs": 1, "lr": 0.01, "lr_divisor": 1},
              {"name": "unfrozen", "freeze_to": 0, "epochs": 1, "lr": 0.01, "lr_divisor": 2.6}]
    cfg = {**TINY, "examples": EXAMPLES, "classifier": {**TINY["classifier"], "stages": stages}}
    (tmp_path / "work").mkdir()
    ctx = Context(study="imdb", cfg=cfg, seed=0, inputs={"data": str(_reviews(tmp_path))},
                  reference=REFERENCE, workdir=tmp_path / "work", log=lambda text: None)
    result = study.run(ctx)
    m = result["metrics"]
    assert (m["classifier_train_reviews"], m["classifier_test_reviews"]) == (6, 6)
    assert m["frozen_accuracy"] == result["stages"][0]["accuracy"]
    assert m["unfrozen_accuracy"] == result["stages"][1]["accuracy"]
    assert m["log_run_accuracy"] == result["log_run"]["accuracy"]
    assert result["log_run"]["name"] == "frozen" and result["log_run"]["epochs"] == 1
    assert 0 <= m["example_1_positive_probability"] <= 1 and m["lm_perplexity"] > 1
    assert [r["log_accuracy"] for r in result["table"]] == [0.842, "", 0.944]
    for name in ("lm_encoder.pth", "lm_head_encoder.pth"):  # the lesson's and the log's
        assert (tmp_path / "work" / name).is_file()
    head = torch.load(tmp_path / "work" / "lm_head_encoder.pth", weights_only=True)
    tuned = torch.load(tmp_path / "work" / "lm_encoder.pth", weights_only=True)
    assert any(not torch.equal(head[k], tuned[k]) for k in head)  # unfrozen epochs in between
    study.plot(result, tmp_path / "f.png", REFERENCE)
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pretrained_without_weights_is_an_error():
    with pytest.raises(ValueError, match="imdb.pretrained"):
        study.run(Context(study="imdb", cfg={**TINY, "pretrained": True},
                          inputs={"data": "nowhere"}))
    with pytest.raises(ValueError, match="WT103"):
        study.train(pd.DataFrame(), {**TINY, "pretrained": True}, 0, ".", torch.device("cpu"))


def test_the_logs_run_is_the_first_stage_only():
    stages = [{"name": "frozen", "freeze_to": -1, "epochs": 1, "lr": 0.02, "lr_divisor": 1},
              {"name": "unfrozen", "freeze_to": 0, "epochs": 2, "lr": 0.001, "lr_divisor": 2.6}]
    cfg = {**TINY, "classifier": {**TINY["classifier"], "stages": stages}}
    assert study.first_stage_only(cfg)["classifier"]["stages"] == stages[:1]
    assert cfg["classifier"]["stages"] == stages  # not changed in place
    with pytest.raises(ValueError, match="imdb.classifier.stages"):
        study.first_stage_only(TINY)
