"""booktools — the tooling of the book *Computing Derivatives*, kept out of ``calclib``.

Nothing here is mathematics, and nothing here is imported by a student: ``calclib`` is what the chapters
use; this package turns the chapters into labs and builds the website.

Modules
-------
labs          student notebooks, instructor keys and nbgrader sources, written from the chapters
markdown      MyST (the book's Markdown) turned into plain Jupyter Markdown for JupyterLab, Colab, VS Code
sphinx_ext    the Sphinx/myst-nb plugin: plotly figures with a local plotly.js, links to the labs
"""
