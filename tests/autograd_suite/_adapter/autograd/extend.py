"""``autograd.extend``: defining new primitives is autograd's own machinery, not mapped onto calclib."""

from .core import _internal

primitive = _internal("extend.primitive")
