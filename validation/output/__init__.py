"""Study outputs: the one figure set-up (:mod:`.figures`), CSV writer (:mod:`.tables`) and
Markdown report writer (:mod:`.report`); every file is written atomically."""
from .figures import heat_map, loglog_fit, plain_log_scale, pyplot, save_figure
from .report import Section, markdown_table, write_report
from .tables import write_csv

__all__ = ["pyplot", "save_figure", "heat_map", "plain_log_scale", "loglog_fit", "write_csv", "Section", "markdown_table", "write_report"]
