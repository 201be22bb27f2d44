"""Old name of calclib's tracing machinery, kept so that existing code keeps working.

Use :mod:`calclib.core` (primitives, tracers, levels, :func:`~calclib.core.bind`) and
:mod:`calclib.numpy_dispatch` (how NumPy calls reach ``bind``) instead. Here ``Tracer`` is the
array-like tracer, :class:`calclib.numpy_dispatch.ArrayTracer`.
"""

from __future__ import annotations

from .core import DomainWarning, bind, check_domain, new_level, primal, recording
from .numpy_dispatch import ARRAY_FUNCTIONS, SUPPORTED, UFUNC_CONSTANT, UFUNC_PRIMITIVES
from .numpy_dispatch import ArrayTracer as Tracer

__all__ = ["Tracer", "DomainWarning", "bind", "check_domain", "new_level", "primal", "recording",
           "ARRAY_FUNCTIONS", "SUPPORTED", "UFUNC_CONSTANT", "UFUNC_PRIMITIVES"]
