"""The report: one self-contained HTML file of a snapshot (Jinja2's only home).

`render_report` turns a snapshot folder (and the one before it) into the page's HTML: styles,
script and SVG charts inline, nothing fetched from anywhere, every text from the PDFs escaped
(autoescape), and a Content-Security-Policy that lets only the page's own script run, should a
text ever slip through. `write_report` writes it (by default OUT_DIR/report.html).
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from pipeline.dataset.current import sync_current
from pipeline.dataset.diff import resolve_snapshot
from pipeline.dataset.snapshot import LATEST, MANIFEST, SNAPSHOTS, TMP_PREFIX, read_latest
from pipeline.report.page import build_page
from pipeline.storage import is_url

REPORT = "report.html"
_HEAD_BYTES = 4096  # the page's <head> up to its key
TEMPLATE = "report.html.j2"
SCRIPT = "report.js"
STYLE = "report.css"


def render_report(folder: Path, previous: Path | None = None, sources: str | None = None) -> str:
    """The HTML page of the snapshot in `folder`, with what changed since `previous` (None: the first).

    `sources`: SOURCE_DIR relative to where the page will be (a POSIX path), for links to the PDFs.
    """
    environment = _environment()
    script = _source(environment, SCRIPT)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return environment.get_template(TEMPLATE).render(
        page=build_page(folder, previous, sources),
        # our own files, inlined as they are: the script's hash is what the page's policy lets run
        style=Markup(_source(environment, STYLE)),
        script=Markup(script),
        script_hash=f"sha256-{digest}",
        report_key=report_key(folder, previous, sources),
    )


def load_report_templates() -> None:
    """Compile the page's templates now (kept for this process): a run does it while its documents
    are processed, instead of after publishing, when a person waits for the end."""
    environment = _environment()
    for name in environment.list_templates(extensions=["j2"]):  # the page's and those it imports
        environment.get_template(name)
    _code_digest()


def report_key(folder: Path, previous: Path | None, sources: str | None) -> str:
    """What a report's content depends on: the snapshot, the one before it, the link to the sources, and
    the report's own code and templates. A page carries its key, so a run can tell that it is up to date."""
    inputs = "\n".join((Path(folder).name, Path(previous).name if previous else "", sources or "", _code_digest()))
    return hashlib.sha256(inputs.encode("utf-8")).hexdigest()[:32]


def write_report(out_dir: Path, snapshot: str | None = None, *, sources: Path | None = None,
                 target: Path | None = None, reuse: bool = False) -> Path:
    """Write the report of a snapshot of OUT_DIR (an id, an id's prefix, or None: LATEST) to `target`.

    `target` defaults to OUT_DIR/report.html; it is replaced in one rename. `sources`: the local
    SOURCE_DIR the snapshot was made from, to link each row to its PDF. `reuse`: leave `target` as
    it is when it already is this report (its key: `report_key`). Raises FileNotFoundError (no
    such snapshot or folder) and ValueError (an ambiguous id).
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise FileNotFoundError(f"{out_dir} is not a folder" if out_dir.exists() else f"{out_dir} does not exist")
    if sources is not None and not Path(sources).is_dir():
        raise FileNotFoundError(f"{sources} is not a folder (SOURCE_DIR)")
    folder = resolve_snapshot(snapshot or LATEST, out_dir)
    target = Path(target) if target is not None else out_dir / REPORT
    if not target.parent.is_dir():
        raise FileNotFoundError(f"{target.parent} is not a folder (where the report was to go)")
    relative = None
    if sources is not None:
        relative = Path(os.path.relpath(Path(sources).resolve(), target.parent.resolve())).as_posix()
    previous = find_previous(out_dir, folder)
    if reuse and _carries_key(target, report_key(folder, previous, relative)):
        return target  # a run that found nothing new: rendering the same page again costs seconds
    html = render_report(folder, previous, relative)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)  # gone after the rename; left by a failed one
    return target


def write_run_report(out_dir: str, sources: str | None) -> Path | None:
    """A run's last step, under OUT_DIR's lock: current/ put on LATEST (a run that found nothing new
    did not publish, so it may still miss it) and LATEST's report written, linked into `sources`.

    None when OUT_DIR is a URL or has no LATEST.
    """
    if is_url(out_dir):
        return None
    sync_current(Path(out_dir))
    if read_latest(out_dir) is None:
        return None
    return write_report(Path(out_dir), sources=Path(sources) if sources else None, reuse=True)


def find_previous(out_dir: Path, folder: Path) -> Path | None:
    """The snapshot published before `folder`: of the other snapshots under OUT_DIR, the newest by the
    time its manifest was written, among those written before `folder`'s (LATEST's counts as the newest:
    a run that publishes an older id again reuses its folder). None: `folder` is the first."""
    folder = Path(folder)
    latest = read_latest(out_dir)

    def written(path: Path) -> tuple[float, str]:
        when = float("inf") if path.name == latest else (path / MANIFEST).stat().st_mtime
        return when, path.name

    root = Path(out_dir) / SNAPSHOTS
    others = [p for p in root.iterdir() if not p.name.startswith(TMP_PREFIX) and p.name != folder.name
              and (p / MANIFEST).is_file()] if root.is_dir() else []
    mine = written(folder)
    earlier = [p for p in others if written(p) < mine]
    return max(earlier, key=written) if earlier else None


@cache
def _environment() -> jinja2.Environment:
    # one per process: its cache keeps the compiled templates, so a template compiled ahead
    # (`load_report_templates`) is the one the report renders with.
    # autoescape everywhere: every text in the page may come from a PDF or a file name
    return jinja2.Environment(loader=jinja2.PackageLoader("pipeline.report", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _source(environment: jinja2.Environment, name: str) -> str:
    return environment.loader.get_source(environment, name)[0]


@cache
def _code_digest() -> str:
    # the report package's code and templates: a new version of them makes every report again
    package = Path(__file__).parent
    files = sorted([*package.glob("*.py"), *(package / "templates").iterdir()])
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode("utf-8") + b"\0" + file.read_bytes())
    return digest.hexdigest()


def _carries_key(page: Path, key: str) -> bool:
    try:
        with page.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError:
        return False
    return f'<meta name="parlq-report" content="{key}">'.encode("ascii") in head
