"""``autograd.tracer``: ``isbox`` (is this a traced value?) on calclib's tracers."""

from calclib.core import Tracer

from .core import _internal

primitive = _internal("tracer.primitive")


def isbox(x) -> bool:
    return isinstance(x, Tracer)
