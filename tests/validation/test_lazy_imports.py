"""Public names imported on first use keep working, and the light parts stay light: the CLI's parser and
the figure process load neither scipy, numba nor xarray; a NetCDF write without dask leaves dask usable."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import validation
import validation.store
from validation.lazy import lazy_exports

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("scipy", "numba", "xarray", "pandas", "dask", "matplotlib", "fokker", "solvers")


@pytest.mark.parametrize("package", [validation, validation.store])
def test_every_public_name_is_there(package):
    assert set(package.__all__) <= set(dir(package))
    for name in package.__all__:
        assert getattr(package, name) is getattr(package, name)
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        package.not_a_name


def test_from_imports_and_identity():
    from validation import moments, simulate_particles
    from validation.metrics import moments as metrics_moments
    from validation.particles import simulate_particles as particles_simulate
    assert simulate_particles is particles_simulate and moments is metrics_moments and callable(moments)


def test_lazy_exports_needs_the_module_of_every_public_name():
    with pytest.raises(ValueError, match=r"missing: \['b'\]"):
        lazy_exports("validation", {"a": ".metrics"}, ["a", "b"])


def loaded_after(code: str) -> list[str]:
    """The HEAVY top-level packages loaded by ``code`` in a fresh interpreter (CalledProcessError if it fails)."""
    probe = f"import sys\n{code}\nimport json; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""}).stdout
    return [name for name in json.loads(out.splitlines()[-1]) if name in HEAVY]


def test_the_parser_of_every_command_is_light():
    assert loaded_after("from validation import cli; cli.build_parser()") == []


def test_the_figure_process_imports_only_matplotlib():
    """What the child loads before its first job: the figures, pyplot and both backends."""
    code = ("import validation.cli.figure_process\nfrom validation.output import pyplot\npyplot()\n"
            "import matplotlib.backends.backend_agg, matplotlib.backends.backend_pdf")
    assert loaded_after(code) == ["matplotlib"]


def test_a_write_without_dask_leaves_dask_usable(tmp_path):
    code = f"""
import numpy as np, xarray as xr
from validation.store import read_netcdf, write_netcdf
from validation.store.store import no_dask_import
with no_dask_import():
    write_netcdf(xr.Dataset({{"a": (("t",), np.arange(4.0))}}), {str(tmp_path / "a.nc")!r})
assert "dask" not in sys.modules
import dask.array as da
lazy = xr.Dataset({{"a": (("t",), da.arange(4.0, chunks=2))}})
assert lazy.chunks == {{"t": (2, 2)}}
write_netcdf(lazy, {str(tmp_path / "b.nc")!r})
assert (read_netcdf({str(tmp_path / "a.nc")!r})["a"].values == read_netcdf({str(tmp_path / "b.nc")!r})["a"].values).all()
"""
    assert "dask" in loaded_after(code)             # and the asserts inside held (else check=True raised)
    np.testing.assert_array_equal(validation.store.read_netcdf(tmp_path / "b.nc")["a"].values, np.arange(4.0))
