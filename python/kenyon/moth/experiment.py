"""One call per experiment, as the CLI's ``kenyon moth run`` and ``kenyon moth sweep``: the
library's result, its JSON (assembled once, in C++: the very object ``--json`` prints) and,
with ``out=``, the folder ``--out`` writes.
"""
import json
import os

from .. import _core
from .._check import error, warn_non_finite
from .params import _check_compat

__all__ = ["run", "sweep", "sweep_table"]


def _check_out(out):
    # As the CLI: refuse an --out that cannot become a folder before the (long) run.
    if out is None:
        return None
    out = os.fspath(out)
    if not out:
        raise error("out", "expected a folder name")
    if os.path.exists(out) and not os.path.isdir(out):
        raise error("out", f"{out} exists and is not a folder")
    return out


def _record(result, name, **arguments):
    """Records kenyon's version, the call and its arguments (seed included) in the result's
    JSON and results.json, as the CLI records its configuration."""
    configuration = {k: (os.fspath(v) if isinstance(v, os.PathLike) else v) for k, v in arguments.items()}
    result.set_provenance(json.dumps({"kenyon_version": _core.__version__,
                                      "python_call": f"kenyon.moth.{name}",
                                      "configuration": configuration}))


def _experiment_params(train_per_class, sniffs, val_per_class, seed, compat):
    p = _core.moth.ExperimentParams()
    for name, value in (("train_per_class", train_per_class), ("sniffs", sniffs),
                        ("val_per_class", val_per_class), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if seed < 0:
        raise error("seed", f"expected a non-negative seed, got {seed}")
    p.train_per_class = train_per_class
    p.sniffs = sniffs
    p.val_per_class = val_per_class
    p.seed = seed
    p.compat = _check_compat(compat)
    return p


def _test_count(test, cyborg):
    """test=None | "all" | N >= 1 -> the binding's -1 (none), 0 (all) or N."""
    if not isinstance(cyborg, bool):
        raise TypeError(f"cyborg must be True or False, got {type(cyborg).__name__}")
    if test is None:
        if cyborg:
            raise error("cyborg", "needs test, the digits its baselines are scored on")
        return -1
    if test == "all":
        return 0
    if isinstance(test, bool) or not isinstance(test, int) or test < 1:
        raise error("test", f"expected a number of digits >= 1 or 'all', got {test!r}")
    return test


def run(train_per_class=10, sniffs=1, val_per_class=15, seed=0, compat="fixed",
        dataset="mnist", data_dir=None, out=None, result=False, test=None, cyborg=False):
    """Trains one moth and scores it, as ``kenyon moth run``: returns the dict that
    ``kenyon moth run --json`` prints (accuracies, per-class accuracy, ROC AUCs, baselines,
    confusion matrix, settings, timing). With ``out`` writes results.json, the CSVs and the
    SVG plots there, as ``--out``. ``result=True`` returns ``(dict, RunResult)``, the
    library's result object (EN trace when ``out`` is given, ``to_json()``, ``write(dir)``).
    The dict's ``status`` is "ok", or "non_finite" when a rate became NaN or infinite; then
    ``non_finite`` says where (time step, population, neuron), a RuntimeWarning repeats it
    and nothing is written.
    ``test`` (N or "all", as ``--test``): the trained moth, weights frozen, then reads the
    first N digits of the official test split, each alone from its settled state; the dict's
    ``test`` holds their accuracies (classified with the validation digits' statistics),
    per-class accuracy, ROC AUCs and confusion matrix. ``cyborg=True`` (needs ``test``)
    adds ``test["baselines"]``: 1-NN and SVM trained on the training digits and scored on
    the test digits, on the pixels alone and with the readout neurons' responses appended.
    The simulation runs in C++ without the GIL."""
    p = _experiment_params(train_per_class, sniffs, val_per_class, seed, compat)
    count = _test_count(test, cyborg)
    out = _check_out(out)
    r = _core.moth.run_experiment(p, dataset, None if data_dir is None else os.fspath(data_dir),
                                  keep_trace=out is not None, test=count, cyborg=cyborg)
    _record(r, "run", train_per_class=train_per_class, sniffs=sniffs, val_per_class=val_per_class,
            seed=seed, compat=compat, dataset=dataset, data_dir=data_dir, test=test,
            cyborg=cyborg)
    d = json.loads(r.to_json())
    # A run stopped by a NaN or infinity has no accuracies to write (as the CLI, exit 3).
    if warn_non_finite(d.get("non_finite"), " (the run stopped there; nothing written)"):
        return (d, r) if result else d
    if out is not None:
        r.write(out)
    return (d, r) if result else d


def sweep(train_per_class=(1, 3, 5, 10, 20), seeds=5, first_seed=0, sniffs=1, val_per_class=15,
          compat="fixed", threads=0, dataset="mnist", data_dir=None, out=None, table=False,
          test=None, cyborg=False):
    """Accuracy against training-set size over several seeds, as ``kenyon moth sweep``:
    returns the dict ``kenyon moth sweep --json`` prints, or with ``table=True`` the pair
    (dict, DataFrame of its rows: ``sweep_table``). Runs go in parallel over ``threads`` (0: all cores); results do not depend
    on it. With ``out`` writes results.json, accuracy.csv and accuracy.svg there. ``test``
    (N or "all", as ``--test``): every run also reads the first N digits of the official
    test split; the rows gain ``test_accuracy_mean`` and ``test_accuracy_sd``, and with
    ``cyborg=True`` the test split's baselines, plain and cyborg (``test_svm_mean``,
    ``cyborg_svm_mean``, ...)."""
    if isinstance(train_per_class, int):
        train_per_class = [train_per_class]
    counts = list(train_per_class)
    for n in counts:
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError("train_per_class must be integers")
    for name, value in (("seeds", seeds), ("first_seed", first_seed), ("threads", threads)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if first_seed < 0:
        raise error("first_seed", "expected a non-negative seed")
    base = _experiment_params(1, sniffs, val_per_class, 0, compat)
    count = _test_count(test, cyborg)
    out = _check_out(out)
    r = _core.moth.run_sweep(counts, seeds, first_seed, base, threads, dataset,
                             None if data_dir is None else os.fspath(data_dir), test=count,
                             cyborg=cyborg)
    _record(r, "sweep", train_per_class=counts, seeds=seeds, first_seed=first_seed, sniffs=sniffs,
            val_per_class=val_per_class, compat=compat, threads=threads, dataset=dataset,
            data_dir=data_dir, test=test, cyborg=cyborg)
    d = json.loads(r.to_json())
    # Runs stopped by a NaN or infinity: warn, write nothing (as the CLI, exit 3).
    report = d.get("non_finite")
    if report:
        warn_non_finite(report, f" (train_per_class {report['train_per_class']}, seed "
                                f"{report['seed']}; {d['failed_runs']} runs failed, nothing written)")
    elif out is not None:
        r.write(out)
    return (d, sweep_table(d)) if table else d


def sweep_table(result):
    """The rows of a sweep's dict as a pandas DataFrame, one row per training-set size
    (the columns of accuracy.csv, plus the thresholding accuracy and each seed's run)."""
    import pandas as pd

    if not isinstance(result, dict):
        raise TypeError(f"result must be the dict kenyon.moth.sweep returns, got {type(result).__name__}")
    if "rows" not in result:
        raise KeyError("result has no 'rows' (expected the dict kenyon.moth.sweep returns)")
    if not isinstance(result["rows"], (list, tuple)) or not all(isinstance(r, dict) for r in result["rows"]):
        raise TypeError("result['rows'] must be a list of dicts, one per training-set size")
    for i, row in enumerate(result["rows"]):
        for key in ("train_per_class", "accuracy_mean"):
            if key not in row:
                raise KeyError(f"result['rows'][{i}] has no {key!r}")
            if isinstance(row[key], (str, bytes)):
                raise TypeError(f"result['rows'][{i}][{key!r}] must be a number, got {row[key]!r}")
    rows = [{k: v for k, v in row.items() if k != "baselines"} for row in result["rows"]]
    return pd.DataFrame(rows).set_index("train_per_class")
