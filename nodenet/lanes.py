"""Lanes: eight float64s side by side, for the compiled kernels' sums and sigmoids.

A mini-batch's sums are many short sums run side by side, one per sample (or one per
link). numba vectorises a loop over them, but keeps each partial sum in memory between
passes, and leaves a block of several sums held in registers unvectorised (it keeps
LLVM's SLP vectorizer off). These few operations let a kernel say the vectors itself:
``load`` eight consecutive numbers, ``splat`` one number into every lane, add and
multiply lane by lane with ``+`` and ``*`` (write ``s = s + t``: there is no ``+=``),
``store`` the eight back. A kernel keeps several such sums in local variables, which
LLVM holds in vector registers. ``sigmoid`` takes the sigmoid of each lane, with the
operations of the engine's scalar sigmoid (:mod:`nodenet.activations`).

Each lane is an ordinary IEEE multiply or add, in the order written, without fused
multiply-adds, so a sum built from lanes is the same to the bit as the scalar sum that
adds the same terms in the same order. ``load`` and ``store`` check no bounds: the
caller keeps ``0 <= i`` and ``i + WIDTH <= a.size``. On a processor with narrower
vectors LLVM splits each operation; the numbers do not change.

The operations run inside numba-compiled functions only, as the kernels use them.

Examples
--------
>>> import numpy as np
>>> from numba import njit
>>> @njit
... def dot8(w, X, y):                  # y[:8] = w @ X[:, :8], eight sums at once, each in order
...     s = zeros()
...     for k in range(w.size):
...         s = s + splat(w[k]) * load(X[k], 0)
...     store(y, 0, s)
>>> y = np.empty(8)
>>> dot8(np.array([0.5, 2.0]), np.vstack([np.arange(8.0), np.ones(8)]), y)
>>> y.tolist()
[2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5]
"""

import operator

from llvmlite import ir
from numba import types
from numba.core import cgutils, errors
from numba.extending import intrinsic, models, overload, register_model

from . import activations

__all__ = ["WIDTH", "load", "sigmoid", "store", "splat", "zeros"]

WIDTH = 8
_VECTOR = ir.VectorType(ir.DoubleType(), WIDTH)


class Lanes(types.Type):
    """numba's type for eight float64s held as one LLVM vector."""

    def __init__(self):
        super().__init__(name="Lanes")


_lanes = Lanes()


@register_model(Lanes)
class _LanesModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, _VECTOR)


def _check_operands(a, i):
    if not (isinstance(a, types.Array) and a.ndim == 1 and a.layout == "C" and a.dtype == types.float64):
        raise errors.TypingError(f"lanes load and store a contiguous 1-d float64 array, not {a}")
    if not isinstance(i, types.Integer):
        raise errors.TypingError(f"lanes load and store from an integer index, not {i}")


def _at(context, builder, array_type, array, i):
    """A pointer to eight float64s from ``array[i]`` on."""
    data = context.make_array(array_type)(context, builder, array).data
    return builder.bitcast(builder.gep(data, [i]), _VECTOR.as_pointer())


@intrinsic
def load(typingctx, a, i):
    """``a[i:i + 8]`` as lanes (see the module's example)."""
    _check_operands(a, i)

    def codegen(context, builder, signature, args):
        return builder.load(_at(context, builder, signature.args[0], args[0], args[1]), align=8)
    return _lanes(a, types.intp), codegen


@intrinsic
def store(typingctx, a, i, v):
    """``a[i:i + 8] = v`` (see the module's example)."""
    _check_operands(a, i)

    def codegen(context, builder, signature, args):
        builder.store(args[2], _at(context, builder, signature.args[0], args[0], args[1]), align=8)
        return context.get_dummy_value()
    return types.none(a, types.intp, _lanes), codegen


@intrinsic
def splat(typingctx, x):
    """``x`` in every lane (see the module's example)."""
    def codegen(context, builder, signature, args):
        one = builder.insert_element(ir.Constant(_VECTOR, ir.Undefined), args[0], ir.Constant(ir.IntType(32), 0))
        every = ir.Constant(ir.VectorType(ir.IntType(32), WIDTH), None)        # lane 0, in every lane
        return builder.shuffle_vector(one, ir.Constant(_VECTOR, ir.Undefined), every)
    return _lanes(types.float64), codegen


@intrinsic
def zeros(typingctx):
    """+0.0 in every lane (see the module's example)."""
    def codegen(context, builder, signature, args):
        return ir.Constant(_VECTOR, None)
    return _lanes(), codegen


@intrinsic
def _add(typingctx, a, b):
    def codegen(context, builder, signature, args):
        return builder.fadd(args[0], args[1])
    return _lanes(_lanes, _lanes), codegen


@intrinsic
def _mul(typingctx, a, b):
    def codegen(context, builder, signature, args):
        return builder.fmul(args[0], args[1])
    return _lanes(_lanes, _lanes), codegen


@overload(operator.add)
def _lanes_add(a, b):
    if isinstance(a, Lanes) and isinstance(b, Lanes):
        return lambda a, b: _add(a, b)


@overload(operator.mul)
def _lanes_mul(a, b):
    if isinstance(a, Lanes) and isinstance(b, Lanes):
        return lambda a, b: _mul(a, b)


@intrinsic
def sigmoid(typingctx, v):
    """The sigmoid of each lane, to the bit as :mod:`nodenet.activations` computes it for one float.

    The same operations as ``_sigmoid`` and ``exp_nonpositive`` there, in the same order,
    lane by lane; the table is looked up one lane at a time, and each 2^(k + 64) is made
    from its exponent bits.

    Examples
    --------
    >>> import numpy as np
    >>> from numba import njit
    >>> from nodenet.activations import activation
    >>> @njit
    ... def sigmoids8(net, out):
    ...     store(out, 0, sigmoid(load(net, 0)))
    >>> net, out = np.array([-800.0, -3.0, -0.5, -0.0, 0.0, 0.5, 3.0, 800.0]), np.empty(8)
    >>> sigmoids8(net, out)
    >>> out.tolist() == [activation("sigmoid").f(x) for x in net.tolist()]
    True
    """
    if not isinstance(v, Lanes):
        raise errors.TypingError(f"lanes sigmoid takes lanes, not {v}")

    def codegen(context, builder, signature, args):
        net = args[0]
        double, i64 = ir.DoubleType(), ir.IntType(64)

        def every(value):
            return ir.Constant(_VECTOR, [value] * WIDTH)

        def look_up(values, indices):
            values = cgutils.global_constant(builder, "nodenet_exp_table",
                                             ir.Constant(ir.ArrayType(double, len(values)), list(values)))
            lanes = ir.Constant(_VECTOR, ir.Undefined)
            for lane in range(WIDTH):
                index = builder.extract_element(indices, ir.Constant(ir.IntType(32), lane))
                value = builder.load(builder.gep(values, [ir.Constant(i64, 0), index]))
                lanes = builder.insert_element(lanes, value, ir.Constant(ir.IntType(32), lane))
            return lanes

        # activations.exp_nonpositive and _sigmoid, operation for operation
        a = activations
        fabs = cgutils.get_or_insert_function(builder.module, ir.FunctionType(_VECTOR, [_VECTOR]), "llvm.fabs.v8f64")
        x = builder.fneg(builder.call(fabs, [net]))
        z = builder.select(builder.fcmp_ordered(">=", x, every(a._EXP_LOWEST)), x, every(a._EXP_LOWEST))
        whole = builder.fsub(builder.fadd(builder.fmul(z, every(a._EXP_32_BY_LN2)), every(a._EXP_ROUND)),
                             every(a._EXP_ROUND))
        n = builder.fptosi(whole, ir.VectorType(i64, WIDTH))
        r = builder.fsub(builder.fsub(z, builder.fmul(whole, every(a._EXP_LN2_BY_32_HI))),
                         builder.fmul(whole, every(a._EXP_LN2_BY_32_LO)))
        j = builder.and_(n, ir.Constant(n.type, [31] * WIDTH))
        hi, lo = zip(*a._EXP_TABLE)
        t, t_rest = look_up(hi, j), look_up(lo, j)
        inner = builder.fmul(r, every(1 / 720))
        for c in (1 / 120, 1 / 24, 1 / 6):
            inner = builder.fmul(r, builder.fadd(every(c), inner))
        series = builder.fadd(r, builder.fmul(builder.fmul(r, r), builder.fadd(every(0.5), inner)))
        # 2^(k + 64) with k = n >> 5: the biased exponent k + 64 + 1023 in its bits
        exponent = builder.add(builder.ashr(n, ir.Constant(n.type, [5] * WIDTH)), ir.Constant(n.type, [1087] * WIDTH))
        scale = builder.bitcast(builder.shl(exponent, ir.Constant(n.type, [52] * WIDTH)), _VECTOR)
        y = builder.fadd(t, builder.fadd(t_rest, builder.fmul(t, series)))
        e = builder.fmul(builder.fmul(y, scale), every(a._EXP_TWO_TO_MINUS_64))
        e = builder.select(builder.fcmp_ordered("==", x, x), e, x)
        top = builder.select(builder.fcmp_ordered(">=", net, every(0.0)), every(1.0), e)
        return builder.fdiv(top, builder.fadd(every(1.0), e))
    return _lanes(_lanes), codegen
