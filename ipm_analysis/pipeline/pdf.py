"""HTML report -> A4 PDF, printed by headless Chromium driven by Playwright.

Playwright cannot download its own browser here, so it drives an installed Chromium
(Debian's ``chromium`` package) through ``executable_path``; ``IPM_CHROMIUM`` names another.
The page's print stylesheet (``templates/ipm/ipm.css``) keeps tables and charts whole; this
module adds the running title and "Page X of Y" on every page.
"""

from __future__ import annotations

import html
import os
import shutil
from pathlib import Path

from ipm_analysis.core.errors import MissingToolError

#: Chromium programs looked for on PATH, in order, when IPM_CHROMIUM is not set.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Flags that let Debian's Chromium run headless in containers and CI without reaching out.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
#: Page margins: the top and bottom ones hold the running title and the page numbers.
MARGINS = {"top": "20mm", "bottom": "16mm", "left": "12mm", "right": "12mm"}
INSTALL_HINT = (
    "Install it with 'sudo apt-get install chromium' (Debian/Ubuntu) and the Python driver with "
    "\"pip install '.[browser]'\", or set IPM_CHROMIUM to the path of a Chromium or Chrome program."
)


def find_chromium() -> Path:
    """The Chromium program to print with: ``IPM_CHROMIUM`` if set, else the first on PATH."""
    chosen = os.environ.get("IPM_CHROMIUM")
    if chosen:
        path = Path(chosen).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise MissingToolError(
                f"IPM_CHROMIUM={chosen} is not an executable program, so no PDF can be printed. "
                + INSTALL_HINT
            )
        return path
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise MissingToolError(
        "a PDF needs the Chromium web browser, and none was found "
        f"(looked for {', '.join(CHROMIUM_NAMES)} on PATH). " + INSTALL_HINT
    )


def check_pdf_tools() -> Path:
    """Fail early, before any report is built, when ``--pdf`` cannot work; returns Chromium."""
    chromium = find_chromium()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise MissingToolError(
            "a PDF needs the Playwright Python package, which is not installed. " + INSTALL_HINT
        ) from None
    return chromium


def page_templates(title: str) -> tuple[str, str]:
    """Chromium's header (the title) and footer ("Page X of Y") templates; text escaped."""
    style = (
        "font-family: Arial, Helvetica, sans-serif; font-size: 8pt; color: #3d3d3d; "
        f"width: 100%; margin: 0 {MARGINS['right']} 0 {MARGINS['left']};"
    )
    header = f'<div style="{style}"><span>{html.escape(title)}</span></div>'
    footer = (
        f'<div style="{style} text-align: right;">Page <span class="pageNumber"></span> of '
        '<span class="totalPages"></span></div>'
    )
    return header, footer


def html_to_pdf(html_path: str | Path, pdf_path: str | Path, *, title: str) -> Path:
    """Print ``html_path`` to an A4 PDF at ``pdf_path`` with the title and page numbers."""
    chromium = check_pdf_tools()
    from playwright.sync_api import sync_playwright

    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    header, footer = page_templates(title)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), args=list(CHROMIUM_ARGS)
        )
        try:
            page = browser.new_page()
            page.goto(html_path.as_uri(), wait_until="load")
            page.emulate_media(media="print")
            page.pdf(
                path=str(pdf_path),
                format="A4",
                print_background=True,
                display_header_footer=True,
                header_template=header,
                footer_template=footer,
                margin=MARGINS,
            )
        finally:
            browser.close()
    return pdf_path
