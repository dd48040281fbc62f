"""The documented import path ``validation.sweep`` of a configured study (see :mod:`validation.store.sweep`)."""
from .store.sweep import StudyRun, run_point, run_study, study_tasks

__all__ = ["run_study", "run_point", "study_tasks", "StudyRun"]
