"""Miniature fastai adult sample: `adult_sample.tgz` holding `adult_sample/adult.csv`.

The CSV has the real file's header and 15 columns, its conventions (string values after a
leading space as in the UCI files, ' ?' for unknown workclass/occupation/country, salary written
'<50k' / '>=50k' without a space, education-num a float with some cells left empty, some empty
occupation cells) and the UCI value vocabularies. Rows are synthetic: salary is drawn from a
logistic model of education, age, marriage, occupation, sex, hours and capital gain, so a
tabular model learns it to roughly the real data's accuracy (about 80-85 %), not to 100 %.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from .archive import tar_gz_bytes

DATASET = "adult"
FILE = "adult_sample.tgz"
MEMBER = "adult_sample/adult.csv"
COLUMNS = ["age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
           "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
           "hours-per-week", "native-country", "salary"]
EDUCATION = ["Preschool", "1st-4th", "5th-6th", "7th-8th", "9th", "10th", "11th", "12th",
             "HS-grad", "Some-college", "Assoc-voc", "Assoc-acdm", "Bachelors", "Masters",
             "Prof-school", "Doctorate"]  # education-num is the position + 1
EDUCATION_P = [0.002, 0.005, 0.01, 0.02, 0.015, 0.03, 0.035, 0.013, 0.32, 0.22, 0.043,
               0.033, 0.165, 0.053, 0.018, 0.018]
WORKCLASS = ["Private", "Self-emp-not-inc", "Local-gov", "?", "State-gov", "Self-emp-inc",
             "Federal-gov", "Without-pay", "Never-worked"]
WORKCLASS_P = [0.70, 0.078, 0.064, 0.056, 0.04, 0.034, 0.026, 0.001, 0.001]
MARITAL = ["Married-civ-spouse", "Never-married", "Divorced", "Separated", "Widowed",
           "Married-spouse-absent", "Married-AF-spouse"]
MARITAL_P = [0.46, 0.33, 0.136, 0.031, 0.03, 0.012, 0.001]
OCCUPATION = ["Prof-specialty", "Craft-repair", "Exec-managerial", "Adm-clerical", "Sales",
              "Other-service", "Machine-op-inspct", "?", "Transport-moving",
              "Handlers-cleaners", "Farming-fishing", "Tech-support", "Protective-serv",
              "Priv-house-serv", "Armed-Forces"]
OCCUPATION_P = [0.127, 0.126, 0.125, 0.116, 0.112, 0.101, 0.061, 0.057, 0.049, 0.042, 0.031,
                0.028, 0.02, 0.0045, 0.0005]
OCCUPATION_EFFECT = {"Exec-managerial": 0.9, "Prof-specialty": 0.8, "Tech-support": 0.4,
                     "Sales": 0.3, "Protective-serv": 0.3, "Other-service": -1.0,
                     "Handlers-cleaners": -0.8, "Priv-house-serv": -1.5, "Farming-fishing": -0.6}
RACE = ["White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other"]
RACE_P = [0.854, 0.096, 0.032, 0.01, 0.008]
COUNTRY = ["United-States", "Mexico", "?", "Philippines", "Germany", "Canada", "Puerto-Rico",
           "El-Salvador", "India", "Cuba", "England", "China"]
COUNTRY_P = [0.896, 0.02, 0.018, 0.006, 0.0043, 0.0037, 0.0035, 0.0033, 0.0031, 0.0029,
             0.0028, 0.0364]
LABELS = ("<50k", ">=50k")
MISSING_SHARE = 0.015  # share of empty education-num cells and of empty occupation cells


def _choice(rng: np.random.Generator, values: list[str], p: list[float], n: int) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    return rng.choice(np.asarray(values, dtype=object), size=n, p=p / p.sum())


def make_rows(seed: int, rows: int = 3000) -> list[list[str]]:
    """Return `rows` CSV rows (lists of cell strings, in COLUMNS order), deterministic in seed."""
    rng = np.random.default_rng([seed, 26])
    age = np.clip(rng.gamma(6.0, 6.5, rows) + 17, 17, 90).astype(int)
    edu = rng.choice(len(EDUCATION), size=rows, p=np.asarray(EDUCATION_P) / sum(EDUCATION_P))
    workclass = _choice(rng, WORKCLASS, WORKCLASS_P, rows)
    marital = _choice(rng, MARITAL, MARITAL_P, rows)
    married = marital == "Married-civ-spouse"
    occupation = _choice(rng, OCCUPATION, OCCUPATION_P, rows)
    sex = np.where(rng.random(rows) < 0.67, "Male", "Female").astype(object)
    relationship = np.where(married, np.where(sex == "Male", "Husband", "Wife"),
                            rng.choice(np.array(["Not-in-family", "Own-child", "Unmarried",
                                                 "Other-relative"], dtype=object), rows,
                                       p=[0.5, 0.3, 0.15, 0.05]))
    race = _choice(rng, RACE, RACE_P, rows)
    country = _choice(rng, COUNTRY, COUNTRY_P, rows)
    fnlwgt = np.clip(rng.lognormal(12.0, 0.5, rows), 12285, 1484705).astype(int)
    gain = np.where(rng.random(rows) < 0.08, rng.choice([2174, 5178, 7688, 15024, 99999], rows,
                                                        p=[0.3, 0.25, 0.25, 0.17, 0.03]), 0)
    loss = np.where(rng.random(rows) < 0.045, rng.choice([1602, 1887, 1902, 2415], rows), 0)
    hours = np.clip(np.round(rng.normal(40, 11, rows)), 1, 99).astype(int)
    occ_effect = np.array([OCCUPATION_EFFECT.get(o, 0.0) for o in occupation])
    logit = (-3.6 + 0.7 * (edu + 1 - 10) + 3.0 * married - 0.002 * (age - 48) ** 2
             + 1.6 * occ_effect + 0.02 * (hours - 40) + 0.2 * (sex == "Male")
             + 2.0 * (gain >= 7688))
    high = rng.random(rows) < 1 / (1 + np.exp(-logit))
    no_edu_num = rng.random(rows) < MISSING_SHARE
    no_occupation = rng.random(rows) < MISSING_SHARE
    out = []
    for i in range(rows):
        out.append([
            str(age[i]), f" {workclass[i]}", str(fnlwgt[i]), f" {EDUCATION[edu[i]]}",
            "" if no_edu_num[i] else f"{edu[i] + 1:.1f}", f" {marital[i]}",
            "" if no_occupation[i] else f" {occupation[i]}", f" {relationship[i]}",
            f" {race[i]}", f" {sex[i]}", str(gain[i]), str(loss[i]), str(hours[i]),
            f" {country[i]}", LABELS[int(high[i])]])
    return out


def csv_bytes(rows: list[list[str]]) -> bytes:
    """Return the header and `rows` as the real file writes them (comma separated, \\n)."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return stream.getvalue().encode("utf-8")


def build_files(seed: int, rows: int = 3000) -> dict[str, bytes]:
    """Return {"adult_sample.tgz": bytes} holding adult_sample/adult.csv, deterministic in seed."""
    return {FILE: tar_gz_bytes({MEMBER: csv_bytes(make_rows(seed, rows))})}
