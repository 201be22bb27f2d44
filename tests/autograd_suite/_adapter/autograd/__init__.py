"""A stand-in for HIPS autograd 1.7.0, so that autograd's own tests run on calclib (see ../../README.md).

``autograd.numpy`` *is* NumPy (calclib traces plain NumPy), and each differential operator is calclib's
transformation of the same name, under autograd's calling convention ``op(fun, argnum=0)(*args)``
(:func:`autograd.wrap_util.unary_to_nary`). The operators autograd builds from others are built here the
same way, from these. Nothing catches calclib's errors.
"""

from __future__ import annotations

import sys

import numpy
import numpy.linalg
import numpy.random

import calclib as cl

from .builtins import dict, isinstance, list, tuple  # noqa: F401
from .core import _internal
from .core import make_vjp as _make_vjp
from .wrap_util import unary_to_nary

sys.modules[__name__ + ".numpy"] = numpy
sys.modules[__name__ + ".numpy.random"] = numpy.random
sys.modules[__name__ + ".numpy.linalg"] = numpy.linalg
np = numpy

grad = unary_to_nary(lambda f, x: cl.grad(f)(x))
value_and_grad = unary_to_nary(lambda f, x: cl.value_and_grad(f)(x))
grad_and_aux = unary_to_nary(lambda f, x: cl.grad(f, has_aux=True)(x))
jacobian = unary_to_nary(lambda f, x: cl.jacobian(f)(x))
hessian = unary_to_nary(lambda f, x: cl.hessian(f)(x))
make_vjp = unary_to_nary(_make_vjp)
make_jvp = unary_to_nary(lambda f, x: lambda v: cl.jvp(f, (x,), (v,)))
make_hvp = unary_to_nary(lambda f, x: _make_vjp(cl.grad(f), x))
deriv = unary_to_nary(lambda f, x: cl.jvp(f, (x,), (np.ones_like(x),))[1])


@unary_to_nary
def elementwise_grad(f, x):
    """The sum of the Jacobian's rows, ``1ᵀ J``, in one backward pass (the derivative of an elementwise f)."""
    out, pullback = cl.vjp(f, x)
    return pullback(np.ones_like(out))[0]


def hessian_tensor_product(fun, argnum=0):
    """``(*args, v) ↦ H v``, as autograd builds it: the gradient of ``⟨∇f, v⟩``."""
    fun_grad = grad(fun, argnum)
    return grad(lambda *args: np.tensordot(fun_grad(*args[:-1]), args[-1], np.ndim(args[-1])), argnum)


def tensor_jacobian_product(fun, argnum=0):
    """``(*args, v) ↦ vᵀ J``, as autograd builds it: the Jacobian of ``⟨v, f⟩``."""
    return jacobian(lambda *args: np.tensordot(args[-1], fun(*args[:-1]), axes=np.ndim(args[-1])), argnum)


def make_ggnvp(f, g=lambda x: 1. / 2 * np.sum(x ** 2, axis=-1), f_argnum=0):
    """Generalized Gauss-Newton products ``v ↦ Jᵀ H_g J v``, as autograd builds them from VJPs."""
    def _make_ggnvp(f, x):
        f_vjp, f_x = _make_vjp(f, x)
        g_hvp, grad_g_x = _make_vjp(cl.grad(g), f_x)
        f_jvp, _ = _make_vjp(f_vjp, np.zeros_like(grad_g_x))
        return lambda v: f_vjp(g_hvp(f_jvp(v)))
    return unary_to_nary(_make_ggnvp)(f, f_argnum)


holomorphic_grad = _internal("holomorphic_grad (complex numbers; calclib is real)")
checkpoint = _internal("checkpoint (a custom primitive)")
