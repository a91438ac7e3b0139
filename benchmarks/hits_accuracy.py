"""Hit calls, Z′ and IC50 / CC50 from the analysed sample plate against its ground truth.

    python benchmarks/hits_accuracy.py [--dir /tmp/ie-bench] [--plates 8x12,16x24] [--seeds 0,1,2]

For each plate size and seed: writes the sample plate (default 2 fields of 512 px; reused when
already in --dir), analyses it with the default parameters and roles given by name (DAPI, Cell,
Pathogen; reused when done), calls hits with the default rule, and prints:

  precision, recall   of the well hit calls against the truth's is_hit
  Z′                  ours (analysed readouts) and the truth's (the truth's infection rates of
                      the control wells, fields pooled per well as the analysis pools them)
  IC50                fitted / true for each active compound (goal: within a factor of 2)
  CC50                fitted / true for the cytotoxic compound
  seconds             the hit calling alone (readouts and plate map in, calls and fits out)
  perfect readouts    precision and recall of the same rule on the truth's own per-well counts:
                      what no image analysis can beat (wells just above a compound's IC50 are
                      hits in the truth, but their cells' infection is drawn at random)

Goals (issue 11): precision and recall >= 0.95, Z′ within 0.05 of the truth's, IC50 within 2x.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import imaging_explorer as ie
from imaging_explorer.analysis.batch import analyze_plate
from imaging_explorer.analysis.channel_roles import resolve_roles
from imaging_explorer.analysis.results_store import AnalysisStoreError, open_results
from imaging_explorer.hits import analyse_plate
from imaging_explorer.hits.dose_response import compound_table
from imaging_explorer.hits.plate_qc import _z_prime


def analysed(folder: Path, rows: int, columns: int, seed: int, fields: int, size: int):
    plate_path = folder / f"hits-{rows}x{columns}-s{seed}-{fields}x{size}.zarr"
    truth = plate_path.with_name(plate_path.stem + "_truth.csv")
    if not truth.exists():
        ie.make_sample_plate(plate_path, rows=rows, columns=columns, fields=fields, size=size, seed=seed,
                             overwrite=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plate = ie.open_plate(str(plate_path))
    try:
        results = open_results(plate)
        _ = results.wells
    except AnalysisStoreError:
        first = next(w for w in plate.wells.values() if w.fields).fields[0]
        results = analyze_plate(plate, resolve_roles(first.channels, "DAPI", "Cell", "Pathogen")).results
    return plate_path, results, pd.read_csv(truth)


def truth_z_prime(truth: pd.DataFrame, platemap: pd.DataFrame) -> float:
    counts = truth.groupby("well")[["nuclei_count", "infected_count"]].sum()
    rate = counts["infected_count"] / counts["nuclei_count"]
    roles = platemap.assign(name=[f"{r}{int(c):02d}" for r, c in zip(platemap["row"], platemap["column"])])
    roles = roles.set_index("name")["role"]
    neg, pos = rate[roles.reindex(rate.index) == "neg_control"], rate[roles.reindex(rate.index) == "pos_control"]
    return _z_prime(float(pos.std(ddof=1)), float(neg.std(ddof=1)), float(pos.mean()), float(neg.mean()))


def recall_precision(wells: pd.DataFrame, truth: pd.DataFrame) -> tuple[float, float, int, int, int]:
    """Precision, recall, true positives, wells called, true hits: well calls against is_hit."""
    names = {key: f"{r}{int(c):02d}" for key, r, c in zip(wells.index, wells["row"], wells["column"])}
    called = pd.Series(wells["hit"].to_numpy(bool), index=[names[k] for k in wells.index])
    true = truth.groupby("well")["is_hit"].first().astype(bool).reindex(called.index, fill_value=False)
    tp = int((called & true).sum())
    return tp / max(int(called.sum()), 1), tp / max(int(true.sum()), 1), tp, int(called.sum()), int(true.sum())


def perfect_readouts(truth: pd.DataFrame, platemap: pd.DataFrame) -> tuple[float, float]:
    """Precision and recall of the default rule on the truth's own counts."""
    counts = truth.groupby("well")[["nuclei_count", "infected_count"]].sum(min_count=1)
    counts["infected_fraction"] = counts["infected_count"] / counts["nuclei_count"]
    wells, _ = analyse_plate(counts.reset_index(), platemap, source="truth")
    return recall_precision(wells, truth)[:2]


def one(folder: Path, rows: int, columns: int, seed: int, fields: int, size: int) -> dict:
    plate_path, results, truth = analysed(folder, rows, columns, seed, fields, size)
    platemap = ie.read_platemap(plate_path.with_name(plate_path.stem + "_platemap.csv"))
    start = time.perf_counter()
    wells, qc = analyse_plate(results.wells, platemap)
    compounds = compound_table(wells)
    seconds = time.perf_counter() - start
    precision, recall, tp, n_called, n_true = recall_precision(wells, truth)
    compound_of = pd.read_csv(plate_path.with_name(plate_path.stem + "_platemap.csv")).set_index("well")["compound_id"]
    per = truth.drop_duplicates("well").assign(compound=lambda t: t["well"].map(compound_of))
    fitted = compounds.set_index("compound_id")
    ratios = {cid: float(fitted.loc[cid, "ic50_um"] / v)
              for cid, v in per.dropna(subset=["ic50_uM"]).groupby("compound")["ic50_uM"].first().items()}
    cc50_ratio = {cid: float(fitted.loc[cid, "cc50_um"] / v)
                  for cid, v in per.dropna(subset=["cc50_uM"]).groupby("compound")["cc50_uM"].first().items()}
    return {"plate": f"{rows * columns} wells, seed {seed}", "precision": precision, "recall": recall,
            "hits": f"{tp}/{n_called} called, {n_true} true", "perfect": perfect_readouts(truth, platemap),
            "z_prime": qc.z_prime, "truth_z_prime": truth_z_prime(truth, platemap),
            "ic50_ratios": ratios, "cc50_ratios": cc50_ratio, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default="/tmp/ie-bench")
    parser.add_argument("--plates", default="8x12,16x24")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--fields", type=int, default=2)
    parser.add_argument("--size", type=int, default=512)
    args = parser.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    for spec in args.plates.split(","):
        rows, columns = map(int, spec.split("x"))
        for seed in map(int, args.seeds.split(",")):
            r = one(folder, rows, columns, seed, args.fields, args.size)
            worst = max((max(x, 1 / x) for x in r["ic50_ratios"].values()), default=np.nan)
            print(f"{r['plate']}: precision {r['precision']:.3f}, recall {r['recall']:.3f} ({r['hits']}); "
                  f"Z′ {r['z_prime']:.3f} vs truth {r['truth_z_prime']:.3f} "
                  f"(diff {abs(r['z_prime'] - r['truth_z_prime']):.3f}); IC50 fitted/true "
                  + ", ".join(f"{k} {v:.2f}" for k, v in r["ic50_ratios"].items())
                  + f" (worst factor {worst:.2f}); CC50 fitted/true "
                  + ", ".join(f"{k} {v:.2f}" for k, v in r["cc50_ratios"].items())
                  + f"; hit calling {r['seconds']:.2f} s; perfect readouts: precision {r['perfect'][0]:.3f}, "
                  f"recall {r['perfect'][1]:.3f}", flush=True)


if __name__ == "__main__":
    main()
