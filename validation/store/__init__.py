"""Result store and sweeps: persistent, resumable study results and the tasks that fill them.

- :mod:`.store`: :class:`StudyStore`, one NetCDF file per finished study point, merged on read
  (every file written atomically with :mod:`validation.atomic`);
- :mod:`.lock`: :class:`StudyLock`, one writing process per study folder;
- :mod:`.runner`: :func:`run_tasks`, independent tasks in-process or on Dask;
- :mod:`.sweep`: a configured ``[study]``: its tasks, the task function and :func:`run_study`.
"""
from .lock import StaleLockWarning, StudyLock, StudyLockedError
from .store import (DamagedResultWarning, StoreError, StudyStore, file_digest, open_study, package_versions,
                    read_netcdf, write_netcdf)

__all__ = ["StudyStore", "StoreError", "open_study", "package_versions", "read_netcdf", "write_netcdf",
           "file_digest", "DamagedResultWarning", "StudyLock", "StudyLockedError", "StaleLockWarning"]
