"""Persistent, resumable results of a study: one xarray Dataset per study on disk.

Layout of a study folder (``<output>/<study name>/``)::

    study.json          identity of the configuration, package versions, creation time
    config.toml         the canonical configuration (``validation.config``)
    study.lock          present while a process writes the folder (:mod:`validation.store.lock`)
    tasks/<key>.nc      one NetCDF file (engine h5netcdf) per finished study point
    tasks/<key>.nc.sha256   the SHA-256 digest of that file, written after it
    damaged/<UTC time>/ task files found damaged on resume, moved aside (kept for inspection)
    <study name>.nc     the merged Dataset, written by :meth:`StudyStore.finalize`

A study point is a dict of coordinate values, e.g. ``{"gamma": 10.0, "n": 1000, "seed": 3}``;
its file name is a digest of those values. Every file is written to a temporary name
in the same folder and moved into place with ``os.replace``, so a crash or Ctrl-C never
leaves a half-written result: a point is either finished (its file exists) or not.
Rerunning skips finished points. The store records the configuration's *identity*
(:meth:`validation.config.Config.identity`: everything except the sweep values); a
different identity is refused unless ``force=True``, which discards the old results.
Reading merges the per-point files on the point coordinates (missing points are NaN).

Integrity: atomic writes do not protect a file copied partially or cut short by a full
disk. :meth:`StudyStore.verify` (called by ``run_study`` before it resumes) checks every
task file against its digest; a file without a digest (written by an older version, or
the process stopped between the two writes) is verified by opening it and checking
that it holds its own point, and then gets its digest. Temporary files left by a killed
writer are removed (``verify`` runs under the folder's lock, so no writer is active). A file that fails is reported
with a :class:`DamagedResultWarning` naming it, moved into ``damaged/<UTC time>/`` and
thereby recomputed by the run.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import xarray as xr

from fokker.checks import warn

from ..atomic import atomic_write, atomic_write_text, leftover_temporaries
from ..config import Config, dump, load

ENGINE = "h5netcdf"
DIGEST_SUFFIX = ".sha256"
VERSIONED = ("fokker-balance", "numpy", "scipy", "xarray", "h5netcdf", "h5py", "dask", "distributed", "tqdm")


class StoreError(ValueError):
    """A store that cannot be used as asked (e.g. results of another configuration)."""


class DamagedResultWarning(UserWarning):
    """A stored task file was unreadable or did not match its digest; it was moved aside."""


def file_digest(path: str | Path) -> str:
    """The SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages that determine the numbers."""
    out = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


@contextmanager
def _absent_unless_imported(names: tuple[str, ...]) -> Iterator[None]:
    """Within the block, importing any of ``names`` fails fast (ImportError) unless one was imported before."""
    if any(name in sys.modules for name in names):
        yield
        return
    for name in names:
        sys.modules[name] = None                              # type: ignore[assignment]
    try:
        yield
    finally:
        for name in names:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


def _no_distributed_import():
    """Within the block, ``import distributed`` fails fast unless it was imported before.

    xarray (and dask's ``get_scheduler``) ask on every write whether a ``distributed`` Client is
    the active scheduler, importing that package (~0.35 s) to find out. No Client can exist in a
    process that never imported it, so the answer is then "no" without the import (both treat
    the ImportError as "not distributed"); where a cluster is in use the package is loaded and
    nothing changes.
    """
    return _absent_unless_imported(("distributed", "dask.distributed"))


@contextmanager
def no_dask_import() -> Iterator[None]:
    """Within the block, ``import dask`` fails fast unless dask was imported before: for building and
    writing Datasets of NumPy arrays in a process that uses no dask (the CLI's ``solve``).

    xarray asks whether each array is a dask array, importing dask (~0.3 s) to find out, and caches
    whether dask is installed; a process that never imported dask holds no dask array, so the answer
    is "no". Those cached answers are dropped on entering the block and on leaving it, so that xarray
    sees "not installed" inside and a later use of dask in the same process works as usual.
    """
    if "dask" in sys.modules:
        yield
        return
    with _absent_unless_imported(("dask", "distributed", "dask.distributed")):
        _forget_dask_availability()
        try:
            yield
        finally:
            _forget_dask_availability()


def _forget_dask_availability() -> None:
    """Drop xarray's cached answers to "is dask installed?" (asked again on next use)."""
    from xarray.namedarray import pycompat, utils
    getattr(pycompat, "_cached_duck_array_modules", {}).pop("dask", None)
    clear = getattr(utils.module_available, "cache_clear", None)
    if clear is not None:
        clear()


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write a Dataset to NetCDF (h5netcdf) atomically (without importing dask.distributed when no
    cluster is in use: :func:`_no_distributed_import`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _no_distributed_import():
        return atomic_write(path, lambda tmp: ds.to_netcdf(tmp, engine=ENGINE))


def read_netcdf(path: str | Path) -> xr.Dataset:
    """Load a NetCDF file fully into memory and close it."""
    with xr.open_dataset(path, engine=ENGINE) as ds:
        return ds.load()


class StudyStore:
    """The on-disk results of one study (see the module docstring).

    ``axes`` are the point coordinates in order (default: the config's sweep axes).
    Opening checks the stored identity against ``config``: equal → resume; different
    → :class:`StoreError` unless ``force``; absent → a new store.
    """

    def __init__(self, root: str | Path, config: Config, *, force: bool = False,
                 axes: Iterable[str] | None = None) -> None:
        self._attach(root, config, axes)
        identity = config.identity()
        if self.meta_path.exists():
            old = json.loads(self.meta_path.read_text(encoding="utf-8"))
            if old.get("identity") != identity:
                if not force:
                    raise StoreError(
                        f"{self.root} holds results of a different configuration (identity "
                        f"{old.get('identity', '?')[:12]} != {identity[:12]}; only the sweep values may change "
                        "when resuming); use --force to discard them, or choose another --output")
                self.discard()
        self.root.mkdir(parents=True, exist_ok=True)
        self.tasks_dir.mkdir(exist_ok=True)
        meta = {"identity": identity, "config_hash": config.hash(), "axes": list(self.axes),
                "name": self.name, "versions": package_versions(), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        atomic_write_text(self.meta_path, json.dumps(meta, indent=2))
        dump(config, self.root / "config.toml")

    def _attach(self, root: str | Path, config: Config, axes: Iterable[str] | None) -> None:
        self.root = Path(root)
        self.config = config
        self.axes = tuple(axes) if axes is not None else tuple(config.sweep_axes())
        self.tasks_dir = self.root / "tasks"
        self.meta_path = self.root / "study.json"
        self.name = config["study"]["name"]

    @classmethod
    def open(cls, root: str | Path) -> "StudyStore":
        """An existing study folder, read-only use (nothing is written)."""
        root = Path(root)
        meta_path = root / "study.json"
        if not meta_path.exists():
            raise FileNotFoundError(f"{root} is not a study folder (no study.json)")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        store = cls.__new__(cls)
        store._attach(root, load(root / "config.toml"), meta["axes"])
        return store

    # -- points ------------------------------------------------------------------------------
    def point(self, task: Mapping) -> dict:
        """The coordinates of a task (its values on the store's axes)."""
        missing = [a for a in self.axes if a not in task]
        if missing:
            raise ValueError(f"task {dict(task)!r} lacks the study coordinates {missing}")
        return {a: task[a] for a in self.axes}

    def key(self, task: Mapping) -> str:
        text = json.dumps({a: float(v) if a == "gamma" else v for a, v in self.point(task).items()},
                          sort_keys=True)
        return hashlib.sha1(text.encode()).hexdigest()[:20]

    def path(self, task: Mapping) -> Path:
        return self.tasks_dir / f"{self.key(task)}.nc"

    def is_done(self, task: Mapping) -> bool:
        return self.path(task).exists()

    @staticmethod
    def digest_path(path: Path) -> Path:
        """Where the digest of task file ``path`` is kept."""
        return path.with_name(path.name + DIGEST_SUFFIX)

    def write(self, task: Mapping, result: xr.Dataset) -> Path:
        """Store one finished point atomically (``result`` has no point dimensions yet), then its digest."""
        if not isinstance(result, xr.Dataset):
            raise TypeError(f"a study task must return an xarray.Dataset, got {type(result).__name__}")
        point = self.point(task)
        ds = result.expand_dims({a: [v] for a, v in point.items()})
        ds.attrs.update(point=json.dumps(point), identity=self.config.identity())
        path = write_netcdf(ds, self.path(task))
        atomic_write_text(self.digest_path(path), file_digest(path))
        return path

    def _problem(self, path: Path) -> str | None:
        """Why task file ``path`` cannot be used, or None when it is sound (a missing digest is added)."""
        digest_path = self.digest_path(path)
        try:
            expected = digest_path.read_text(encoding="utf-8").strip() if digest_path.exists() else None
            if expected is not None and len(expected) == 64:
                return None if file_digest(path) == expected else "its SHA-256 digest does not match"
            ds = read_netcdf(path)
        except Exception as exc:                                  # h5py raises OSError, KeyError, ...
            return f"it cannot be read ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
        try:
            own = self.key(json.loads(ds.attrs["point"])) == path.stem
        except (KeyError, ValueError, TypeError):
            own = False
        if not own:
            return "it does not hold the study point of its name"
        atomic_write_text(digest_path, file_digest(path))
        return None

    def verify(self) -> list[Path]:
        """Check every task file (see the module docstring); move the damaged ones aside and return their new paths.

        Call it only while holding the folder's :class:`~validation.store.lock.StudyLock` (``run_study`` does).
        """
        moved = []
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        for path in sorted(self.tasks_dir.glob("*.nc")):
            problem = self._problem(path)
            if problem is None:
                continue
            aside = self.root / "damaged" / stamp
            aside.mkdir(parents=True, exist_ok=True)
            target = aside / path.name
            os.replace(path, target)
            if self.digest_path(path).exists():
                os.replace(self.digest_path(path), self.digest_path(target))
            moved.append(target)
            warn(f"damaged task file {path}: {problem}; moved to {target}, the point will be recomputed",
                 DamagedResultWarning)
        for tmp in leftover_temporaries(self.tasks_dir):
            tmp.unlink()                                            # a partial write of a killed process
        for digest in self.tasks_dir.glob(f"*.nc{DIGEST_SUFFIX}"):
            if not digest.with_suffix("").exists():
                digest.unlink()                                     # its task file is gone
        return moved

    def read(self, task: Mapping) -> xr.Dataset:
        """The stored result of one point, as the task returned it (without the point dimensions)."""
        ds = read_netcdf(self.path(task)).isel({a: 0 for a in self.axes}, drop=True)
        for key in ("point", "identity"):
            ds.attrs.pop(key, None)
        return ds

    def finished(self) -> list[dict]:
        """Points of every finished task on disk."""
        return [json.loads(self._read_part(p).attrs["point"]) for p in sorted(self.tasks_dir.glob("*.nc"))]

    # -- the whole study ---------------------------------------------------------------------------
    def dataset(self, tasks: Iterable[Mapping] | None = None) -> xr.Dataset:
        """Merge the finished points (all, or those of ``tasks``) into one Dataset with full attributes."""
        if tasks is None:
            paths = sorted(self.tasks_dir.glob("*.nc"))
        else:
            paths = [self.path(t) for t in tasks if self.is_done(t)]
        if not paths:
            raise StoreError(f"{self.root} has no finished study points")
        parts = [self._read_part(p) for p in paths]
        seeds = sorted({int(s) for part in parts for s in part.coords["seed"].values}) if "seed" in self.axes else []
        for part in parts:
            part.attrs = {}
        ds = xr.combine_by_coords(parts, combine_attrs="drop")
        ds = ds.transpose(*self.axes, ...)
        ds.attrs.update(study=self.name, config=self.config.to_toml(), config_hash=self.config.hash(),
                        identity=self.config.identity(), versions=json.dumps(package_versions()),
                        seeds=json.dumps(seeds), points=len(parts), source=self.config.source,
                        command=" ".join(sys.argv))
        return ds

    def _read_part(self, path: Path) -> xr.Dataset:
        try:
            return read_netcdf(path)
        except Exception as exc:                                  # h5py raises OSError, KeyError, ...
            raise StoreError(f"task file {path} is damaged ({type(exc).__name__}); rerun the study "
                             "to move it aside and recompute its point") from exc

    @property
    def merged_path(self) -> Path:
        return self.root / f"{self.name}.nc"

    def finalize(self, tasks: Iterable[Mapping] | None = None) -> Path:
        """Write the merged Dataset to ``<root>/<name>.nc`` atomically and return its path."""
        return write_netcdf(self.dataset(tasks), self.merged_path)

    def discard(self) -> None:
        """Delete the stored results (the files this store wrote) before a forced restart."""
        for p in [*self.tasks_dir.glob("*.nc"), *self.tasks_dir.glob(f"*.nc{DIGEST_SUFFIX}")]:
            p.unlink()
        for p in (self.merged_path, self.meta_path):
            if p.exists():
                p.unlink()


def open_study(path: str | Path) -> xr.Dataset:
    """Open a study's results: a merged ``.nc`` file, or a study folder (merged on read)."""
    path = Path(path)
    if path.is_file():
        return read_netcdf(path)
    return StudyStore.open(path).dataset()
