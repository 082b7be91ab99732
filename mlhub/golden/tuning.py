"""The search Katib would run, run here: the Optuna sampler and distributions that Katib's Optuna
suggestion service builds from an Experiment's algorithm and parameters (kubeflow/katib
pkg/suggestion/v1beta1/optuna), so the local search and the cluster's suggest alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import optuna
from kubeflow.optimizer.types.algorithm_types import BaseAlgorithm, algorithm_to_katib_spec


@dataclass
class TPESearch(BaseAlgorithm):
    """Katib's `tpe` algorithm (Bayesian optimisation with a tree-structured Parzen estimator); the
    Kubeflow SDK 0.5 ships only grid and random, and Katib runs all three with Optuna."""

    n_startup_trials: int | None = None
    random_state: int | None = None

    @property
    def algorithm_name(self) -> str:
        return "tpe"

    def _to_katib_spec(self):
        return algorithm_to_katib_spec(self)


# Katib's settings conversion per algorithm (service.py: convert_algorithm_spec)
Convert = Callable[[Any], Any]  # a setting's value as Katib passes it -> what Optuna takes
_SETTINGS: dict[str, dict[str, Convert]] = {
    "tpe": {"n_startup_trials": int, "n_ei_candidates": int, "seed": int},
    "multivariate-tpe": {"n_startup_trials": int, "n_ei_candidates": int, "seed": int},
    "cmaes": {"sigma0": float, "seed": int}, "random": {"seed": int}, "grid": {"seed": int}}


def sampler(algorithm: BaseAlgorithm, search_space: dict) -> optuna.samplers.BaseSampler:
    spec = algorithm._to_katib_spec()
    name = spec.algorithm_name
    if name not in _SETTINGS:
        raise ValueError(f"Katib runs {name!r} without Optuna; choose one of {', '.join(_SETTINGS)}")
    config = {}
    for s in spec.algorithm_settings or []:
        key = "seed" if s.name == "random_state" else s.name
        if key in _SETTINGS[name]:
            config[key] = _SETTINGS[name][key](s.value)
    if name in ("tpe", "multivariate-tpe"):
        config["constant_liar"] = True
    if name == "multivariate-tpe":
        config["multivariate"] = True
    if name == "tpe" or name == "multivariate-tpe":
        return optuna.samplers.TPESampler(**config)
    if name == "cmaes":
        return optuna.samplers.CmaEsSampler(**config)
    if name == "random":
        return optuna.samplers.RandomSampler(**config)
    grid = {k: [v for v in d.choices] for k, d in distributions(search_space).items()
            if isinstance(d, optuna.distributions.CategoricalDistribution)}
    return optuna.samplers.GridSampler(grid, **config)


def distributions(search_space: dict) -> dict[str, optuna.distributions.BaseDistribution]:
    """Optuna distributions of a Kubeflow SDK search space (Katib's _get_optuna_search_space)."""
    out: dict[str, optuna.distributions.BaseDistribution] = {}
    for key, spec in search_space.items():
        space, kind = spec.feasible_space, spec.parameter_type
        log = space.distribution == "logUniform"
        if kind == "double":
            low = max(1e-10, float(space.min)) if log else float(space.min)
            out[key] = optuna.distributions.FloatDistribution(
                low, float(space.max), log=log, step=None if log or not space.step else float(space.step))
        elif kind == "int":
            out[key] = optuna.distributions.IntDistribution(
                max(1, int(space.min)) if log else int(space.min), int(space.max), log=log,
                step=1 if log or not space.step else int(space.step))
        else:
            out[key] = optuna.distributions.CategoricalDistribution(space.list)
    return out


def study(algorithm: BaseAlgorithm, search_space: dict,
          direction: Literal["minimize", "maximize"]) -> optuna.Study:
    """An Optuna study that suggests what Katib's suggestion service would for this Experiment."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study(sampler=sampler(algorithm, search_space), direction=direction)
