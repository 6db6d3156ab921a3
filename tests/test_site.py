"""The course website (tools/site.py): it builds from the committed notebooks; the home page, every
notebook page and the results page are there, in lesson order, each notebook page saying how to run
it; every internal link and image resolves; a notebook without outputs or with an error and a
broken README link fail the build by name; every page loads in headless Chromium without errors."""

import re
from pathlib import Path

import nbformat
import pytest

from tools import site
from tools.run import find_notebooks

NOTEBOOKS = find_notebooks()
PAGES = ["index", *[f"notebooks/{nb.stem}" for nb in NOTEBOOKS], "results/RESULTS"]


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The site of this repository, built once per session."""
    out = tmp_path_factory.mktemp("site") / "site"
    assert site.build(out) == PAGES
    return out


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_every_page_is_built_and_nothing_else_is_left_beside_it(built):
    # `site` is swapped in whole (utils.data.write_atomically): a link to its live copy, and a lock
    live = {"site", built.resolve().name, ".site.lock"}
    assert {p.name for p in built.parent.iterdir()} <= live, "a temporary folder is left"
    for page in PAGES:
        assert (built / f"{page}.html").is_file(), f"{page}.html was not built"


def test_every_internal_link_and_image_resolves(built):
    assert site.broken_links(built) == []


def test_home_page_links_to_the_notebook_pages_and_shows_the_gallery(built):
    html = (built / "index.html").read_text()
    for nb in NOTEBOOKS:
        assert f'href="notebooks/{nb.stem}.html"' in html, f"no link to the page of {nb.name}"
    assert 'href="results/RESULTS.html"' in html
    assert not re.search(r'href="notebooks/[^"]+\.ipynb"', html), "a link to a notebook file"
    readme = (site.ROOT / "README.md").read_text()
    for image in re.findall(r"\]\(results/gallery/([^)]+\.png)\)", readme):
        assert f'src="_images/{image}"' in html, f"gallery image {image} is not on the home page"


def test_previous_and_next_follow_the_lesson_order(built):
    for i, page in enumerate(PAGES):
        html = (built / f"{page}.html").read_text()
        links = dict(re.findall(r'<a class="(left-prev|right-next)"\s+href="([^"]+)"', html))
        for side, j in (("left-prev", i - 1), ("right-next", i + 1)):
            if 0 <= j < len(PAGES):
                target = (built / page).parent / links.get(side, "?")
                assert target.resolve() == (built / f"{PAGES[j]}.html").resolve(), (page, side)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_page_says_how_to_run_it_and_shows_every_figure(built, path):
    nb = nbformat.read(path, as_version=4)
    html = (built / "notebooks" / f"{path.stem}.html").read_text()
    preset = site.shown_preset(nb, path.name)
    words = text(html)
    assert f"The outputs below come from the {preset} preset" in words
    assert "make lab" in words and f"papermill notebooks/{path.name} out.ipynb" in words
    assert f"-p preset {preset}" in words
    outputs = [out for cell in nb.cells for out in cell.get("outputs", [])]
    figures = sum(any(k in out.get("data", {}) for k in ("image/png", "image/jpeg"))
                  for out in outputs)
    drawn = sum(c.source.count("![") for c in nb.cells if c.cell_type == "markdown")
    assert html.count('src="../_images/') == figures + drawn


# A repository of one notebook, to show that bad input fails the build and names the culprit.

def tiny_repo(root: Path, link="notebooks/a.ipynb") -> Path:
    (root / "notebooks").mkdir(parents=True)
    (root / "results").mkdir()
    (root / "README.md").write_text(f"# Tiny\n\n| notebook |\n|---|\n| [A]({link}) |\n")
    (root / "results" / "RESULTS.md").write_text("# Results\n\nNone yet.\n")
    code = nbformat.v4.new_code_cell("print('preset')", execution_count=1, outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="preset 'smoke' (from a test)\n")])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A\n\nOne cell."), code],
                                  metadata={"language_info": {"name": "python"}})
    nbformat.write(nb, root / "notebooks" / "a.ipynb")
    return root


def spoil(root: Path, edit) -> None:
    path = root / "notebooks" / "a.ipynb"
    nb = nbformat.read(path, as_version=4)
    edit(nb.cells[1])
    nbformat.write(nb, path)


def test_a_tiny_repository_is_staged_with_a_header_and_the_table_of_contents(tmp_path):
    root = tiny_repo(tmp_path / "repo")
    assert site.stage(root, tmp_path) == ["index", "notebooks/a", "results/RESULTS"]
    nb = nbformat.read(tmp_path / "notebooks" / "a.ipynb", as_version=4)
    assert "notebooks/a.ipynb out.ipynb" in nb.cells[1].source, "the run header follows the title"
    assert "-p preset smoke" in nb.cells[1].source
    assert "notebooks/a\n" in (tmp_path / "index.md").read_text()


@pytest.mark.parametrize("edit, message", [
    (lambda cell: cell.update(outputs=[]), "a.ipynb has no outputs"),
    (lambda cell: cell.update(execution_count=None), "a.ipynb, cell 2, was not run"),
    (lambda cell: cell.outputs.append(nbformat.v4.new_output(
        "error", ename="ValueError", evalue="bad", traceback=[])),
     r"a.ipynb, cell 2, shows an error \(ValueError: bad\)"),
], ids=["no outputs", "not run", "error output"])
def test_a_bad_notebook_fails_the_build_and_leaves_the_old_site(tmp_path, edit, message):
    root = tiny_repo(tmp_path / "repo")
    spoil(root, edit)
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("the previous build")
    with pytest.raises(site.SiteError, match=message):
        site.build(out, root=root)
    assert (out / "index.html").read_text() == "the previous build"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "repo"], "a half-built site"


def test_a_broken_readme_link_fails_the_build_naming_the_link(tmp_path):
    root = tiny_repo(tmp_path / "repo", link="notebooks/b.ipynb")
    with pytest.raises(site.SiteError, match=r"README.md: the link 'notebooks/b.ipynb'"):
        site.build(tmp_path / "out", root=root)
    assert not (tmp_path / "out").exists()


def test_broken_links_names_the_page_and_the_link(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "ok.html").write_text('<h1 id="top">ok</h1><a href="https://example.org/x">web</a>')
    (tmp_path / "sub" / "page.html").write_text(
        '<a href="../ok.html#top">fine</a> <a href="../gone.html">gone</a> '
        '<img src="../_images/none.png"> <a href="../ok.html#nowhere">bad anchor</a>')
    assert site.broken_links(tmp_path) == [
        "sub/page.html: ../gone.html", "sub/page.html: ../_images/none.png",
        "sub/page.html: ../ok.html#nowhere"]


def needs_chromium():
    pytest.importorskip("playwright", reason="pip install -r requirements.txt (Playwright)")
    if site.chromium() is None:
        pytest.skip(site.INSTALL_CHROMIUM)


def test_every_page_loads_in_chromium_and_screenshots_are_saved(built):
    needs_chromium()
    assert site.check_in_browser(built, PAGES, shots=tuple(PAGES[:2])) == []
    for page in PAGES[:2]:
        assert (built / site.SHOTS / f"{Path(page).name}.png").stat().st_size > 0


def test_the_browser_check_reports_console_errors_and_missing_images(tmp_path):
    needs_chromium()
    (tmp_path / "p.html").write_text(
        '<img src="missing.png"><script>console.error("boom")</script>'
        '<script src="https://example.org/outside.js"></script>')
    problems = site.check_in_browser(tmp_path, ["p"])
    assert any("console error: boom" in p for p in problems), problems
    assert any("image did not load: missing.png" in p for p in problems), problems
    assert not any("outside" in p for p in problems), "requests outside the site are not errors"


def test_a_site_is_rebuilt_in_place_but_a_folder_that_is_not_one_is_left_alone(tmp_path):
    root = tiny_repo(tmp_path / "repo")
    out = tmp_path / "out"
    site.build(out, root=root)
    site.build(out, root=root)  # its own site: replaced
    assert (out / "index.html").exists()
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "conf.py").write_text("# a learner's own file")
    with pytest.raises(site.SiteError, match=r"--out .*docs exists and is not a site this command"):
        site.build(docs, root=root)
    assert sorted(p.name for p in docs.iterdir()) == ["conf.py"]
    assert (docs / "conf.py").read_text() == "# a learner's own file"


def test_a_new_site_with_a_broken_link_does_not_replace_the_old_one(tmp_path, monkeypatch):
    root = tiny_repo(tmp_path / "repo")
    out = tmp_path / "out"
    site.build(out, root=root)
    before = (out / "index.html").read_text()
    monkeypatch.setattr(site, "broken_links", lambda folder: ["index.html: a broken link"])
    with pytest.raises(site.SiteError, match="broken links, so the old one is kept"):
        site.build(out, root=root)
    assert (out / "index.html").read_text() == before
