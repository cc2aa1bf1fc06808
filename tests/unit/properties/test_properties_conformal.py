"""Split-conformal intervals: the quantile rule and its coverage on synthetic data."""

import math

import numpy as np

from tools.properties import conformal


def test_conformal_quantile_is_the_finite_sample_corrected_rank():
    scores = np.arange(1, 20, dtype=float)  # 19 scores: rank ceil(20 * 0.9) = 18
    assert conformal.conformal_quantile(scores, alpha=0.1) == 18.0


def test_too_few_calibration_points_give_an_infinite_interval():
    assert math.isinf(conformal.conformal_quantile(np.array([0.1, 0.2, 0.3]), alpha=0.1))


def test_normalized_intervals_cover_ninety_percent_of_fresh_data():
    rng = np.random.default_rng(0)
    sim_cal, sim_test = rng.uniform(0.2, 1.0, 500), rng.uniform(0.2, 1.0, 20_000)
    # noise grows as similarity falls, as it does for real models
    noise = lambda sim: rng.normal(0, conformal.difficulty(sim))  # noqa: E731
    cal = conformal.calibrate(noise(sim_cal), np.zeros(500), conformal.difficulty(sim_cal))
    y_test = noise(sim_test)
    low, high = cal.interval(np.zeros(20_000), conformal.difficulty(sim_test))
    assert 0.88 <= conformal.coverage(y_test, low, high) <= 0.93
