"""The printable ``cki inzage`` letter: the same ``Letter`` as the terminal text, as one HTML page.

Self-contained (styles inline, nothing fetched), laid out for A4 paper, so it can be printed,
saved as PDF from a browser's print dialog, or mailed. Jinja2 escapes every value: a
participant's name or a surname with ``<`` or ``&`` in it stays text.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape

from pipeline import fsio
from pipeline.consult.inzage_text import Letter
from pipeline.errors import CkiError


@cache
def _template() -> Template:
    env = Environment(loader=PackageLoader("pipeline.consult", "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html"], default=True), trim_blocks=True, lstrip_blocks=True)
    return env.get_template("inzage.html")


def as_html(doc: Letter) -> str:
    """The letter as a page a browser prints on A4."""
    return _template().render(letter=doc, say=doc.phrases)


class LetterPathError(CkiError):
    """``--html`` names a folder, not a file."""


def write_letter(doc: Letter, path: Path) -> str:
    """Write the letter (atomically, like every file cki writes); the line that says where it is."""
    if path.is_dir():
        raise LetterPathError(f"--html: {path} is a folder; give a file name such as inzage.html")
    fsio.write_text(path, as_html(doc))
    return doc.phrases["written"].format(path=path) + "\n"
