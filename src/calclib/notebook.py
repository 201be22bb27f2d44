"""What a chapter needs from the notebook it runs in: gluing a computed number into the text.

The book's text quotes numbers that code computed (never typed by hand). On the website, myst-nb's
``glue`` stores a value under a name and the text shows it with ``{glue:text}`name```. A student who runs
the chapter in plain JupyterLab, Binder or Colab has no myst-nb: there :func:`glue` falls back to
showing the value (when asked to display it) and otherwise does nothing, so every chapter runs in a plain
kernel.

Examples
--------
>>> glue("answer", 42, display=False)  # stored for the website's text; shows nothing here
"""

from __future__ import annotations

from typing import Any

__all__ = ["glue"]


def glue(name: str, value: Any, display: bool = True) -> None:
    """Store ``value`` under ``name`` for the book's text, as :func:`myst_nb.glue` does.

    Parameters
    ----------
    name : str
        The key the text refers to, as in ``{glue:text}`name:.3f```.
    value : object
        Any value; its plain-text form is what the text shows.
    display : bool
        Also show the value in the cell's output (default True, as in myst-nb).
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # a plain kernel: JupyterLab, Binder, Colab
        if display:
            from IPython.display import display as show

            show(value)
        return
    myst_glue(name, value, display=display)
