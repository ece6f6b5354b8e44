import pytest

from hundreddays.config_check import check_keys
from hundreddays.studies import line_fit_ignite, parabola_fit


def test_missing_and_unknown_keys_are_named_with_the_block():
    check_keys("studies.x", {"a": 1, "b": 2}, ("a", "b"))
    with pytest.raises(ValueError, match=r"config studies.x: missing keys \['b'\], "
                                         r"unknown keys \['c'\]"):
        check_keys("studies.x", {"a": 1, "c": 3}, ("a", "b"))


@pytest.mark.parametrize("study", [line_fit_ignite, parabola_fit])
def test_studies_name_their_own_block(study):
    cfg = dict.fromkeys(study.CONFIG_KEYS, 1)
    study.check_config(cfg)
    with pytest.raises(ValueError, match=f"studies.{study.__name__.rsplit('.', 1)[1]}: "
                                         r"missing keys \['lr'\]"):
        study.check_config({k: v for k, v in cfg.items() if k != "lr"})
