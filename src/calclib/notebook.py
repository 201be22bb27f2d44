"""What a chapter needs from the notebook it runs in: gluing a computed number into the text, and
showing calclib's own source code.

The book's text quotes numbers that code computed (never typed by hand). On the website, myst-nb's
``glue`` stores a value under a name and the text shows it with ``{glue:text}`name```. A student who runs
the chapter in plain JupyterLab, Binder or Colab has no myst-nb: there :func:`glue` falls back to
showing the value (when asked to display it) and otherwise does nothing, so every chapter runs in a plain
kernel.

Examples
--------
>>> glue("answer", 42, display=False)  # stored for the website's text; shows nothing here
>>> print(source_of(glue).splitlines()[0])
def glue(name: str, value: Any, display: bool = True) -> None:
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from types import ModuleType
from typing import Any

__all__ = ["glue", "show_source", "source_of"]


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


def source_of(obj: Any, name: str | None = None) -> str:
    """The source code of a function or class, whole; or, for a module and a ``name``, the whole top-level
    statement that defines ``name`` there (an assignment such as ``PARTIALS = {...}``, or a ``def``).

    Found with :mod:`inspect` and :mod:`ast`, so a listing never stops in the middle of a statement. A
    method is shown dedented, starting at the left margin (it reads as a function, and fits a phone).
    """
    if name is None:
        return textwrap.dedent(inspect.getsource(obj))
    if not isinstance(obj, ModuleType):
        raise TypeError(f"source_of(obj, name) looks {name!r} up in a module; {obj!r} is not one")
    source = inspect.getsource(obj)
    for node in ast.parse(source).body:
        targets = (node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign)
                   else [node] if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else [])
        if any(getattr(t, "id", getattr(t, "name", None)) == name for t in targets):
            return "\n".join(source.splitlines()[node.lineno - 1:node.end_lineno]) + "\n"
    raise LookupError(f"{obj.__name__} defines no {name!r} at top level")


def show_source(obj: Any, name: str | None = None) -> None:
    """Display :func:`source_of` ``(obj, name)`` as highlighted Python in the notebook."""
    from IPython.display import Code, display

    display(Code(source_of(obj, name), language="python"))
