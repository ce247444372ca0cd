"""The floor for one report: one Python process that imports papermill and nbconvert,
executes a one-cell notebook importing pandas, matplotlib and seaborn with
``papermill.execute_notebook`` and exports it with ``HTMLExporter``.

Run as a script (``python benchmarks/floor.py WORKDIR``) so it is timed as a whole process,
as ``ipm report`` is.
"""

from __future__ import annotations

import sys
from pathlib import Path

CELL = "import pandas, matplotlib\nmatplotlib.use('Agg')\nimport seaborn\nprint(pandas.__version__)"


def main(workdir: str) -> None:
    import nbformat
    import papermill
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    source = work / "floor.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, str(source))
    papermill.execute_notebook(
        str(source),
        str(work / "floor.out.ipynb"),
        kernel_name="python3",
        progress_bar=False,
        log_output=False,
        cwd=str(work),
        config=Config({"KernelManager": {"transport": "ipc"}}),
    )
    executed = nbformat.read(str(work / "floor.out.ipynb"), as_version=4)
    body, _ = HTMLExporter(exclude_input=True).from_notebook_node(executed)
    (work / "floor.html").write_text(body, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
