"""autograd 1.7.0's own tests, run on calclib (see README.md).

The vendored test files are byte-identical to autograd's (:data:`VENDORED` holds their SHA-256, checked by
``tests/test_autograd_suite.py``). They import ``autograd``: the stand-in in ``_adapter/autograd`` maps it
onto NumPy and calclib. Two tables say what does not simply pass:

* :data:`LEFT_OUT` — tests that are not about real-valued derivatives of NumPy code (complex numbers,
  autograd's own internals or extensions of NumPy): deselected.
* :data:`REFUSED` — real-valued tests that calclib refuses, with a clear ``TypeError``: marked
  ``xfail(strict=True, raises=TypeError)``, so a refusal must stay that refusal (a wrong derivative, an
  ``AssertionError``, fails; and so does a test that starts passing, until it is taken off the table).
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ADAPTER = HERE / "_adapter"

# The stand-in goes first (a real autograd may be installed); the suite's directory last, for the imports
# between its files (`from numpy_utils import ...`, `from test_binary_ops import arg_pairs`).
sys.path.insert(0, str(ADAPTER))
if str(HERE) not in sys.path:
    sys.path.append(str(HERE))
import autograd  # noqa: E402

assert Path(autograd.__file__).resolve().parent == ADAPTER / "autograd", \
    f"the real autograd ({autograd.__file__}) was imported before the stand-in"

VERSION = "1.7.0"

VENDORED = {
    "license.txt": "492decc5f1da5f1ffcbe01aec17415d511b5a36669ef8787b30165b1b8429d57",
    "numpy_utils.py": "9d35af142f9546a355c09328f1d53780c4e3895e76827e8b3d70df865fab6036",
    "test_binary_ops.py": "61ab505cb1e4ed3a7d5821ecb2abf7763037c490157a82e2128f209fe2d3fab8",
    "test_builtins.py": "b7035771f5140b8586b14b1bf0de4bef0013cc2c0160fba4fbd34764a1504143",
    "test_core.py": "56a98c697fdbf0478cefa3a3ec173bc5a26f3451e241a1603a1f405c6055f48c",
    "test_dict.py": "d9aa364a38835f950c86d109fe3d5515dceb6405ac1c8d6d61937f884fad7032",
    "test_direct.py": "4a6ebcb879e513a4bdd3ca0f4a6a5b2c34ffff0a432cee5a10ae9b229696f86f",
    "test_graphs.py": "a8db4ec8e277cee7d0fbdc189293b5905d856a2a158a954e04af01cbe6f3cb5f",
    "test_jacobian.py": "d251945abc9b642ea8a443256391880be28390b727ab661be37743ea7ecb59d0",
    "test_linalg.py": "6f83e01e3597b5ed80338587ab5eeccb4b5eb993817de39d574dead2827d9b04",
    "test_list.py": "9917b1f87b770553b231a74092ae2c9bbb1cced891c506af99da3b369cd3f3f3",
    "test_logic.py": "cc5ba3f0e91d4f8a0d9d1683c29a2f67cc2d7f4295b51beb746ba918f3097c8c",
    "test_numpy.py": "b4b671d63d6582998d1fb4e56ada916bf367f483ef5f524e71d74b1a607f7056",
    "test_scalar_ops.py": "5ee5fcd28334a588ebca4f56a1f1cfe93d379132698e670c597a693a65fae8b3",
    "test_systematic.py": "e54616d9995baa7b5f2bf9d049915d768c333bc9853d8987e34d3ca56ae3c6e8",
    "test_truediv.py": "13dca608052bf9af0e3fe799fa761e23dac13ac399092b0298b5bf595af93162",
    "test_tuple.py": "f8516f7ac93f9b49330f286692e2e148838e937ee9243e161b2985b4d7b82476",
    "test_wrappers.py": "18efb5f49fa3f4ae39bc6382bfd046b33523bf0c93a0e9466a80c91d6fdc3cdf",
}

# --- left out: deselected --------------------------------------------------------------------------
COMPLEX = "complex numbers only: calclib differentiates real functions"
INTERNALS = "autograd's internals"
LEFT_OUT: dict[str, str] = {
    "test_direct.py::test_grad_complex_output": COMPLEX,
    "test_direct.py::test_holomorphic_grad": COMPLEX + " (holomorphic_grad)",
    "test_graphs.py::test_complex_mutating_outgrad_from_indexing": COMPLEX,
    "test_graphs.py::test_complex_separate_real_and_imaginary": COMPLEX,
    "test_linalg.py::test_eigvalh_lower_complex": COMPLEX,
    "test_linalg.py::test_eigvalh_upper_complex": COMPLEX,
    "test_linalg.py::test_eig_real": COMPLEX + " (np.linalg.eig: the eigenvalues of a real matrix are complex)",
    "test_linalg.py::test_eig_complex": COMPLEX,
    "test_linalg.py::test_eig_batched": COMPLEX,
    **{f"test_linalg.py::test_svd_{shape}_complex": COMPLEX
       for shape in ("wide_2d", "wide_3d", "square_2d", "square_3d", "tall_2d", "tall_3d", "only_s_2d", "only_s_3d")},
    "test_logic.py::test_no_vjp_def": INTERNALS + ": a primitive defined with autograd.extend.primitive",
    "test_logic.py::test_no_jvp_def": INTERNALS + ": a primitive defined with autograd.extend.primitive",
    "test_logic.py::test_unimplemented_falseyness": INTERNALS + ": removes a rule from autograd.core.primitive_vjps",
    "test_wrappers.py::test_deprecated_defgrad_wrapper": INTERNALS + ": autograd.core.primitive and defgrad",
    "test_wrappers.py::test_deprecated_defvjp_wrapper": INTERNALS + ": autograd.core.primitive and defvjp",
    "test_wrappers.py::test_deprecated_defvjp_is_zero_wrapper": INTERNALS + ": autograd.core.primitive",
    "test_wrappers.py::test_deprecated_quick_grad_check_wrapper": INTERNALS + ": autograd.util.quick_grad_check",
    "test_wrappers.py::test_checkpoint_correctness": INTERNALS + ": checkpoint is a custom primitive",
    "test_wrappers.py::test_wrapped_name_and_docs": INTERNALS + ": the names and docstrings of autograd's wrappers",
    "test_linalg.py::test_pinv": INTERNALS + ": np.linalg._dot and np.linalg.T, private helpers of autograd.numpy",
    "test_numpy.py::test_make_diagonal": "np.make_diagonal is autograd's own addition to NumPy",
    "test_numpy.py::test_diagonal": "calls np.make_diagonal, autograd's own addition to NumPy",
    "test_scalar_ops.py::test_abs": "checks |x|' at the kink x = 0 against autograd's convention (0); calclib follows "
                                    "JAX's (1)",
    **{f"test_linalg.py::test_eigvalh_{name}_broadcasting": "checks eigh's derivative in non-symmetric directions "
       "against NumPy's value, which reads one triangle; calclib (as JAX) takes the symmetric part of dA"
       for name in ("lower", "upper")},
    "test_numpy.py::test_astype": "checks that a float32 argument gets a float32 gradient; calclib computes and "
                                  "returns float64 (tests/test_api.py)",
    "test_wrappers.py::test_dtypes": "float32 and float16 gradients (calclib returns float64), then complex numbers",
}

# --- real inputs first, then complex ones: must pass every real check and stop at the refusal of complex ----
# (the helpers of numpy_utils.py check complex inputs too unless test_complex=False)
COMPLEX_TOO: dict[str, str] = {
    f"test_systematic.py::test_{name}": "real inputs, then complex ones (numpy_utils' test_complex=True)"
    for name in ("max", "mean", "min", "sum", "prod", "var", "std", "sin", "abs", "absolute", "arccosh", "arcsinh",
                 "arctanh", "cos", "cosh", "exp", "exp2", "expm1", "log", "log10", "log1p", "log2", "sinh", "sqrt",
                 "tan", "tanh", "real", "real_ic", "imag", "conj", "angle", "add", "op_mul", "op_add", "op_sub")
}
COMPLEX_TOO.update({f"test_systematic.py::test_{name}": "real arguments, then complex ones (C(...))"
                    for name in ("kron", "dot", "outer", "matmul", "tensordot_1", "einsum_matmult")})
COMPLEX_TOO["test_logic.py::test_falseyness"] = "a real argument, then a complex one"

# --- refused by calclib, with a clear error: xfail(strict=True, raises=that error) -----------------------
ARRAY = ("np.array of traced values: NumPy makes a plain array of them, which would lose the derivative; calclib "
         "refuses it and says to use np.stack (autograd wraps np.array)")
REFUSED: dict[str, tuple[type[Exception], str]] = {
    **{f"test_core.py::test_{name}": (TypeError, "grad of a comparison, a boolean: calclib (as JAX) refuses to "
                                                 "differentiate it; autograd returns 0")
       for name in ("eq", "neq", "leq", "geq", "lt", "gt")},
    **{f"test_numpy.py::test_{name}": (TypeError, ARRAY)
       for name in ("1d_array", "2d_array", "1d_array_fanout", "2d_array_fanout", "array_from_scalar",
                    "array_from_arrays", "array_from_arrays_2", "max_equal_values", "max_equal_values_2d",
                    "min_3_way_equality", "maximum_equal_values_2d")},
    "test_numpy.py::test_simple_append_list_2D": (TypeError, "np.append of nested lists holding traced values: "
                                                             "NumPy converts them with np.asarray (" + ARRAY + ")"),
    "test_jacobian.py::test_jacobian_scalar_to_vector": (TypeError, ARRAY),
    "test_jacobian.py::test_jacobian_against_stacked_grads": (TypeError, ARRAY),
    "test_tuple.py::test_nested_higher_order": (TypeError, ARRAY),
    **{f"test_numpy.py::test_{name}": (TypeError, "np.r_ / np.c_ of traced values call np.array (" + ARRAY + ")")
       for name in ("r_basic", "r_double", "r_node_and_const", "r_mixed", "r_slicing", "c_", "c_mixed")},
    **{f"test_graphs.py::test_singleton_array_output{axis}": (ValueError, "grad of an array of shape (1,) or (1, 1): "
                                                              "calclib (as JAX) needs a 0-d output; autograd takes "
                                                              "any single entry")
       for axis in ("", "_axis0", "_axis1", "_axis0_keepdims", "_axis1_keepdims")},
    "test_jacobian.py::test_jacobian_against_grad": (ValueError, "grad of an array of shape (1, 1): calclib (as JAX) "
                                                                 "needs a 0-d output"),
    **{f"test_linalg.py::test_eigvalh_{name}": (ValueError, "np.linalg.eigh of a matrix that is not symmetric: "
                                                            "calclib refuses it (NumPy reads one triangle only)")
       for name in ("lower", "upper")},
}


class ComplexRefused(TypeError):
    """calclib's refusal of a complex number, in a test of :data:`COMPLEX_TOO`."""


def _until_complex(test):
    """The test, with calclib's ``TypeError`` for a complex number raised as :class:`ComplexRefused` (any other
    error stays what it is, and fails the test)."""
    @functools.wraps(test)
    def run(*args, **kwargs):
        try:
            return test(*args, **kwargs)
        except TypeError as exc:
            if "complex" in str(exc):
                raise ComplexRefused(str(exc)) from exc
            raise
    return run


def suite_id(item: pytest.Item) -> str:
    """``test_numpy.py::test_dot``: the key of the tables."""
    return f"{Path(item.fspath).name}::{item.name}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kept, left_out = [], []
    for item in items:
        if HERE not in Path(item.fspath).resolve().parents:
            kept.append(item)
            continue
        key = suite_id(item)
        if key in LEFT_OUT:
            left_out.append(item)
            continue
        if key in REFUSED:
            error, reason = REFUSED[key]
            item.add_marker(pytest.mark.xfail(strict=True, raises=error, reason=reason))
        elif key in COMPLEX_TOO:
            item.obj = _until_complex(item.obj)
            item.add_marker(pytest.mark.xfail(strict=True, raises=ComplexRefused, reason=COMPLEX_TOO[key]))
        kept.append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept
