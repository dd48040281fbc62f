"""Result store and sweeps: persistent, resumable study results and the tasks that fill them.

- :mod:`.store`: :class:`StudyStore`, one NetCDF file per finished study point, merged on read
  (every file written atomically with :mod:`validation.atomic`);
- :mod:`.lock`: :class:`StudyLock`, one writing process per study folder;
- :mod:`.runner`: :func:`run_tasks`, independent tasks in-process or on Dask;
- :mod:`.sweep`: a configured ``[study]``: its tasks, the task function and :func:`run_study`.

The names below are imported on first use (:mod:`validation.lazy`): the CLI's parser reads
:mod:`.runner`'s scheduler names without loading xarray.
"""
from ..lazy import lazy_exports

__all__ = ["StudyStore", "StoreError", "open_study", "package_versions", "read_netcdf", "write_netcdf",
           "file_digest", "DamagedResultWarning", "StudyLock", "StudyLockedError", "StaleLockWarning"]

__getattr__, __dir__ = lazy_exports(__name__, {
    **{name: ".store" for name in ("StudyStore", "StoreError", "open_study", "package_versions", "read_netcdf",
                                   "write_netcdf", "file_digest", "DamagedResultWarning")},
    **{name: ".lock" for name in ("StudyLock", "StudyLockedError", "StaleLockWarning")}}, __all__)
