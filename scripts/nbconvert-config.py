# nbconvert config for gptlab's notebook runner (scripts/run-notebooks.ts): records each cell's execute_reply status
# in cell.metadata.gptlab.status, because a failing tslab cell sends status "error" with no error output.
c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)


def _record_status(cell, cell_index, execute_reply, **kwargs):
    cell.metadata.setdefault("gptlab", {})["status"] = execute_reply["content"].get("status", "unknown")


c.ExecutePreprocessor.kernel_name = "tslab"
c.ExecutePreprocessor.allow_errors = True  # keep running so the notebook is written; the runner fails on any non-ok
c.ExecutePreprocessor.record_timing = False  # no timestamps in cell metadata: re-runs give the same file
c.ExecutePreprocessor.on_cell_executed = _record_status
