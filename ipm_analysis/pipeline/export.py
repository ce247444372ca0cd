"""Executed notebook -> self-contained HTML a headteacher can open: no code, no prompts,
nothing fetched from the network (charts are embedded as base64 PNGs)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ipm_analysis.pipeline.resources import templates_dir

if TYPE_CHECKING:
    import nbformat

PARAMETER_TAGS = {"parameters", "injected-parameters"}
_exporter = None  # built once per process: the first export pays the template set-up


def html_exporter():
    """nbconvert's HTMLExporter with the house template and code hidden."""
    global _exporter
    if _exporter is None:
        from nbconvert import HTMLExporter

        _exporter = HTMLExporter(
            template_name="ipm",
            extra_template_basedirs=[str(templates_dir())],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
    return _exporter


def export_html(
    notebook: str | Path | nbformat.NotebookNode, html_path: str | Path, *, title: str | None = None
) -> Path:
    """Write the notebook as one HTML file; stderr streams (library warnings) are left out."""
    import nbformat  # not at import time: a report launches its kernel before this loads

    nb = (
        notebook
        if isinstance(notebook, nbformat.NotebookNode)
        else nbformat.read(str(notebook), as_version=4)
    )
    nb = nbformat.from_dict(nb)
    # The parameter cells show nothing, and papermill gives its injected cell a random id:
    # dropping them keeps the HTML byte-identical across runs of the same inputs.
    nb.cells = [
        c for c in nb.cells if not PARAMETER_TAGS & set(c.get("metadata", {}).get("tags", []))
    ]
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    if title:
        nb.metadata["title"] = title
    body, _ = html_exporter().from_notebook_node(nb)
    html_path = Path(html_path)
    html_path.write_text(body, encoding="utf-8")
    return html_path


def warm_up() -> None:
    """Export an empty notebook once, so the template set-up (~0.4 s) is paid before the
    first export rather than during it. Each report runs this on a thread while its kernel
    works; in a batch worker only the first report pays, later ones find it done."""
    import nbformat

    html_exporter().from_notebook_node(nbformat.v4.new_notebook())
