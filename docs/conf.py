"""Sphinx settings of the course website; `make site` (tools/site.py) stages its sources."""

project = "Lesson 7 on fastai 2.8"
html_title = project
root_doc = "index"  # the README, with the notebooks and the results page in its table of contents

extensions = ["myst_nb"]
myst_enable_extensions = ["dollarmath"]  # $...$ in the notebooks' markdown
nb_execution_mode = "off"  # show the committed outputs; the site never runs a notebook
nb_merge_streams = True  # one block per cell for what it printed, not one per flush

html_theme = "sphinx_book_theme"
html_theme_options = {
    "show_navbar_depth": 1,
    "use_download_button": True,  # each notebook page offers its .ipynb
    "show_toc_level": 2,
}
html_context = {"default_mode": "auto"}  # light or dark as the reader's system says
html_show_sphinx = False
html_copy_source = True  # the download button needs the notebooks in _sources/
html_show_sourcelink = False
