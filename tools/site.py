"""The course website: stage the README, notebooks and results for Sphinx, build site/, check it.

    python -m tools.site [--out DIR] [--browser]

The site is built from the committed notebooks without running them: the home page is the README
(its links to `notebooks/X.ipynb` become links to the notebook pages), then one page per notebook in
lesson order with a header that says how to run it, then results/RESULTS.md. The build goes to a
temporary folder that replaces `--out` (default site/) only when it is complete. `--browser` then
opens every page in headless Chromium and saves screenshots under `<out>/_screenshots/`.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat

from utils.data import ForeignFolder, write_atomically
from utils.presets import DESCRIPTIONS

from .run import ROOT, find_notebooks

DOCS = ROOT / "docs"  # conf.py
SITE = ROOT / "site"
RESULTS_PAGE = Path("results/RESULTS.md")
SHOTS = "_screenshots"
LINK = re.compile(r"!?\[[^\]]*\]\(<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\)")  # markdown links, images
INSTALL_CHROMIUM = (
    "the browser check needs Chromium: `sudo apt-get install -y chromium` on Debian or Ubuntu "
    "(Playwright drives the system's Chromium; no `playwright install` needed)")


class SiteError(Exception):
    """The site cannot be built from these sources; the message says which file and why."""


def check_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at `path`, read, if it was run and shows no error; else SiteError naming it."""
    nb = nbformat.read(path, as_version=4)
    rerun = "run it (`make notebooks`) and commit it with its outputs"
    code = [(i, c) for i, c in enumerate(nb.cells, 1) if c.cell_type == "code"]
    if not any(c.outputs for _, c in code):
        raise SiteError(f"{path.name} has no outputs: {rerun}")
    for i, cell in code:
        if cell.execution_count is None:
            raise SiteError(f"{path.name}, cell {i}, was not run: {rerun}")
        for out in cell.outputs:
            if out.output_type == "error":
                raise SiteError(f"{path.name}, cell {i}, shows an error ({out.ename}: "
                                f"{out.evalue}): fix it, then {rerun}")
    return nb


def shown_preset(nb: nbformat.NotebookNode, name: str) -> str:
    """The preset whose outputs the notebook shows, from the banner its set-up cell prints."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("text", "") or out.get("data", {}).get("text/plain", "")
            if found := re.search(r"preset '(\w+)'", text):
                return found.group(1)
    raise SiteError(f"{name}: no output says which preset it ran on (the set-up cell prints "
                    f"`preset '...'`): run it with `make notebooks` and commit it")


def run_header(name: str, preset: str) -> str:
    """The 'how to run it' box at the top of each notebook page."""
    return f"""````{{admonition}} Run it yourself
:class: tip
The outputs below come from the `{preset}` preset ({DESCRIPTIONS.get(preset, preset)}).
From the repository root, in JupyterLab (open `notebooks/{name}`, then *Run All*) or headless
with papermill on any preset (`smoke`, `cpu` or `full`):

```bash
make lab
.venv/bin/papermill notebooks/{name} out.ipynb \\
    -p preset {preset}
```
````"""


TOCTREE = """

```{{toctree}}
:hidden:
:caption: {caption}

{entries}
```
"""


def local_links(text: str) -> list[str]:
    """The repository files a markdown text links to (no web links, no in-page anchors)."""
    links = [m.group(1).split("#")[0] for m in LINK.finditer(text)]
    return [link for link in links if link and not urlsplit(link).scheme]


def stage(root: Path, dest: Path) -> list[str]:
    """Write the Sphinx sources of the site built from `root` into the empty folder `dest`: each
    notebook checked and given its header, the README as index.md with the table of contents, the
    results page, and every local file they link to. Returns the pages, in reading order."""
    notebooks = find_notebooks(root / "notebooks")
    if not notebooks:
        raise SiteError(f"no notebooks in {root / 'notebooks'}")
    sources = {Path("README.md"): _read(root / "README.md", "the home page is the README"),
               RESULTS_PAGE: _read(root / RESULTS_PAGE, "run `make run` on cpu to publish it")}
    for path in notebooks:
        nb = check_notebook(path)
        rel = path.relative_to(root)
        sources[rel] = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        title = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                      and c.source.startswith("# ")), 0)
        header = nbformat.v4.new_markdown_cell(run_header(path.name, shown_preset(nb, path.name)))
        nb.cells.insert(title + 1, header)
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, dest / rel)
    for source, text in sources.items():
        for link in local_links(text):
            target = (root / source.parent / unquote(link)).resolve()
            if not target.is_relative_to(root.resolve()) or not target.is_file():
                raise SiteError(f"{source}: the link {link!r} points at no file of the "
                                f"repository: fix the link or add the file")
            copy = dest / target.relative_to(root.resolve())
            if not copy.exists():
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(target, copy)
    pages = [p.relative_to(root).with_suffix("").as_posix() for p in notebooks]
    results = RESULTS_PAGE.with_suffix("").as_posix()
    (dest / RESULTS_PAGE).parent.mkdir(exist_ok=True)
    (dest / RESULTS_PAGE).write_text(sources[RESULTS_PAGE])
    (dest / "index.md").write_text(
        sources[Path("README.md")]
        + TOCTREE.format(caption="Notebooks", entries="\n".join(pages))
        + TOCTREE.format(caption="Results", entries=results))
    return ["index", *pages, results]


def _read(path: Path, fix: str) -> str:
    if not path.is_file():
        raise SiteError(f"{path} is missing: {fix}")
    return path.read_text()


def build(out: Path = SITE, root: Path = ROOT) -> list[str]:
    """Build the site of the repository at `root` into `out` (replaced only when the new build is
    complete); returns its pages, in reading order, as paths without `.html`. Sphinx warnings
    (a broken cross-reference, a missing image) fail the build with Sphinx's own message."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # beside `out`: MyST-NB writes into the parent of Sphinx's output folder, and the finished
    # build is renamed into place
    with tempfile.TemporaryDirectory(prefix=f".{out.name}-staging-", dir=out.parent) as work:
        src, doctrees, html = (Path(work) / name for name in ("src", "doctrees", "html"))
        src.mkdir()
        pages = stage(root, src)

        def sphinx(dest: Path) -> None:
            done = subprocess.run(
                [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(DOCS), "-d",
                 str(doctrees), "-W", "--keep-going", "-q", str(src), str(html)],
                capture_output=True, text=True)
            if done.returncode:
                log = (done.stderr or done.stdout).replace(f"{src}/", "")
                raise SiteError(f"Sphinx could not build the site:\n{log.strip()}")
            problems = broken_links(html)  # checked before it replaces the old site
            if problems:
                raise SiteError("the new site has broken links, so the old one is kept:\n"
                                + "\n".join(problems))
            for kept in dest.iterdir():  # the cache's owner marker: this folder is a site we built
                kept.rename(html / kept.name)
            dest.rmdir()
            html.rename(dest)

        try:
            write_atomically(out, sphinx)
        except ForeignFolder as err:
            raise SiteError(f"--out {out} exists and is not a site this command built (it has no "
                            f"marker), so nothing in it is touched: give a new folder, or the "
                            f"site's own (site/)") from err
    return pages


class _Page(HTMLParser):
    """The ids of an HTML page and the addresses it refers to (links, images, scripts, styles)."""

    def __init__(self):
        super().__init__()
        self.ids, self.refs = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for key in ("href", "src"):
            if attrs.get(key) and tag in ("a", "img", "link", "script", "source", "iframe"):
                self.refs.append(attrs[key])


def broken_links(site: Path) -> list[str]:
    """Every internal link or image reference of the built site that resolves to no file (or to no
    element of its page, for `#anchor`), as 'page: address'."""
    pages = {}
    for path in sorted(site.rglob("*.html")):
        if path.relative_to(site).parts[0] in ("_static", "_sources"):  # theme templates, sources
            continue
        parser = _Page()
        parser.feed(path.read_text(errors="replace"))
        pages[path.resolve()] = parser
    broken = []
    for path, parsed in pages.items():
        for ref in parsed.refs:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc:  # the web, data: and mailto: addresses
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            missing_id = parts.fragment and target in pages and (
                unquote(parts.fragment) not in pages[target].ids)
            if not target.is_file() or missing_id:
                broken.append(f"{path.relative_to(site.resolve())}: {ref}")
    return broken


def chromium() -> str | None:
    """The system's Chromium, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def check_in_browser(site: Path, pages: list[str], shots: tuple[str, ...] = ()) -> list[str]:
    """Open each page of the built site in headless Chromium, served over HTTP from this machine,
    and return the problems: console errors, script errors, images that did not load. Requests
    outside the site are blocked (the check runs offline). Screenshots of the pages in `shots` go
    to `<site>/_screenshots/<page>.png`."""
    from playwright.sync_api import sync_playwright

    if not chromium():
        raise SiteError(INSTALL_CHROMIUM)
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    problems = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium())
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", lambda route: route.continue_()
                          if route.request.url.startswith(base) else route.abort())
            for name in pages:
                shot = site / SHOTS if name in shots else None
                problems += _check_page(context, base, name, shot)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return problems


def _check_page(context, base: str, name: str, shots: Path | None) -> list[str]:
    page, errors = context.new_page(), []
    page.on("console", lambda msg: msg.type == "error"
            and msg.location.get("url", base).startswith(base)
            and errors.append(f"{name}.html: console error: {msg.text}"))
    page.on("pageerror", lambda err: errors.append(f"{name}.html: script error: {err}"))
    page.goto(f"{base}{name}.html", wait_until="load")
    unloaded = page.eval_on_selector_all(
        "img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0))"
               ".map(i => i.getAttribute('src').slice(0, 80))")
    errors += [f"{name}.html: image did not load: {src}" for src in unloaded]
    if shots:
        shots.mkdir(exist_ok=True)
        page.screenshot(path=shots / f"{Path(name).name}.png")
    page.close()
    return errors


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=SITE, help="where the site goes (site/)")
    parser.add_argument("--browser", action="store_true",
                        help="then open every page in headless Chromium and take screenshots")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        pages = build(args.out)
    except SiteError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"built {len(pages)} pages into {args.out} in {time.perf_counter() - start:.1f} s; "
          f"open {args.out / 'index.html'}")
    problems = []
    if args.browser:
        if not chromium():
            print(f"error: {INSTALL_CHROMIUM}", file=sys.stderr)
            return 1
        problems += check_in_browser(args.out, pages, shots=(pages[0], pages[1]))
        print(f"checked {len(pages)} pages in Chromium; screenshots in {args.out / SHOTS}")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
