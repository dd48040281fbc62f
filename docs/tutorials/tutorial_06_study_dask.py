"""
A study on a local Dask cluster, with resume
============================================

A study sweeps parameters of one configuration; every point of the sweep is an independent
task, run on a Dask cluster and written to its own file as soon as it finishes, so a study can
be stopped and resumed at any moment. The command line does the same with
``fokker-balance study CONFIG`` and ``fokker-balance report RESULTS_DIR``.

Here: prediction P1 in miniature — the W1 distance between ``n`` particles and the
Fokker–Planck density, for two values of ``n`` and two seeds, on a local cluster of two
single-threaded workers.
"""
import shutil
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
from validation.config import loads
from validation.store import open_study
from validation.sweep import run_study

TOML = """
[network]
preset = "ei_single"
gamma = 10.0

[grid]
lower = -1.5
upper = 1.5
nx = 600

[initial]
mean = 0.0
std = 0.25

[time]
t1 = 0.5
dt = 0.002
n_out = 6

[particles]
dt = 0.002

[study]
name = "p1_small"
kind = "particles"
measure = ["mean", "std", "w1"]

[study.sweep]
n = [1000, 8000]
seed = [SEEDS]
"""

output = Path(tempfile.mkdtemp(prefix="fokker-study-"))
config = loads(TOML.replace("SEEDS", "0, 1"), source="p1_small.toml")
first = run_study(config, output, n_workers=2, progress=False)
print(f"first run: {first.computed} points computed, {first.skipped} skipped, {first.wall_time:.1f} s")
print(sorted(p.name for p in (output / "p1_small" / "tasks").iterdir()))

# %%
# Resume: running the same configuration again computes nothing; adding a seed to the sweep
# computes only the new points. Changing anything else (network, grid, time, ...) would be
# refused, because the stored points would no longer belong to the same study.
again = run_study(config, output, n_workers=2, progress=False)
print(f"same study again: {again.computed} computed, {again.skipped} skipped")
more = run_study(loads(TOML.replace("SEEDS", "0, 1, 2"), source="p1_small.toml"), output, n_workers=2,
                 progress=False)
print(f"one more seed: {more.computed} computed, {more.skipped} skipped")

# %%
# The merged result is one xarray Dataset with the sweep as coordinates; its attributes hold the
# configuration and the package versions.
ds = open_study(more.path).load()
shutil.rmtree(output)              # the tutorial leaves nothing behind
print(ds)
w1 = ds["w1"].isel(gamma=0, t=-1, population=0)
fig, ax = plt.subplots(figsize=(5, 3.5))
for seed in ds["seed"].values:
    ax.loglog(ds["n"], w1.sel(seed=seed), "o", color="0.6")
ax.loglog(ds["n"], w1.mean("seed"), "C0-", label="mean over seeds")
ax.loglog(ds["n"], float(w1.mean("seed")[0]) * (ds["n"] / ds["n"][0]) ** -0.5, "k:", label=r"$n^{-1/2}$")
ax.set(xlabel="n", ylabel=f"W1 at t = {float(ds['t'][-1]):g}")
ax.legend(fontsize=8)
fig.tight_layout()
