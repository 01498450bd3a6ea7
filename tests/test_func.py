"""minigrad.func (torch.func) and minigrad.autograd.functional (torch.autograd.functional)
against PyTorch's: each function below is written once and run under both libraries (the
library module is passed in), and the results' structure, shapes, dtypes and values are
compared. Also: the per-sample-gradients tutorial, the Hessian of a small MLP's loss,
functional_call with Linear and BatchNorm, PyTorch's errors, and torch.autograd's other
names (Variable, set_detect_anomaly, gradcheck, grad_mode)."""

from __future__ import annotations

import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import pytest

import minigrad as mg

rng = np.random.default_rng(0)


def arr(*shape: int, dtype: Any = np.float64) -> np.ndarray:
    return rng.uniform(-1.5, 1.5, size=shape).astype(dtype)


def as_lib(lib: Any, tree: Any, requires_grad: bool = False) -> Any:
    """numpy arrays (in tuples, lists, dicts) as the library's tensors."""
    if isinstance(tree, dict):
        return {k: as_lib(lib, v, requires_grad) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(as_lib(lib, v, requires_grad) for v in tree)
    if isinstance(tree, np.ndarray):
        return lib.tensor(tree, requires_grad=requires_grad)
    return tree


def same(ours: Any, theirs: Any, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """The same nesting (types, lengths, keys), shapes, dtypes and values."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs)
        for k in theirs:
            same(ours[k], theirs[k], rtol, atol)
        return
    if isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs), (type(ours), type(theirs))
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            same(a, b, rtol, atol)
        return
    assert isinstance(ours, mg.Tensor), type(ours)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert np.dtype(ours.dtype).name == str(theirs.dtype).split(".")[-1]
    assert ours.requires_grad == theirs.requires_grad, (ours.requires_grad, theirs.requires_grad)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol,
                               atol=atol)


def tol(dtype: Any) -> dict:
    return {"rtol": 1e-6, "atol": 1e-9} if dtype == np.float64 else {"rtol": 2e-4, "atol": 2e-5}


def both(torch: Any, fn: Any, data: Any, requires_grad: bool = False) -> tuple:
    """``fn(lib, *inputs)`` under minigrad and under PyTorch."""
    ours = fn(mg, *as_lib(mg, data, requires_grad))
    theirs = fn(torch, *as_lib(torch, data, requires_grad))
    return ours, theirs


def raises_like(torch: Any, fn: Any, data: Any, fragment: str = "") -> None:
    """Both libraries refuse with the same exception type; ours names the fragment."""
    with pytest.raises(Exception) as theirs:
        fn(torch, *as_lib(torch, data))
    with pytest.raises(theirs.type) as ours:
        fn(mg, *as_lib(mg, data))
    assert fragment in str(ours.value), str(ours.value)
    assert fragment in str(theirs.value), str(theirs.value)


# ---- the functions, written once -------------------------------------------------------

def f_elementwise(lib: Any, x: Any) -> Any:
    return (x.sin() * x).exp()


def f_two_in_two_out(lib: Any, x: Any, y: Any) -> Any:
    return (x * y.sum()).tanh(), (x ** 2).sum() * y


def f_scalar(lib: Any, x: Any) -> Any:
    return (x ** 3).sum() + (x[0] * x[-1] if x.numel() else 0.0)


def f_scalar2(lib: Any, x: Any, y: Any) -> Any:
    return (x.sin() * y.sum()).sum() + (y ** 2).sum() * x.sum()


def f_ignores_y(lib: Any, x: Any, y: Any) -> Any:
    return x.exp().sum()


def f_constant(lib: Any, x: Any) -> Any:
    return lib.ones(2, dtype=x.dtype)


AF = "autograd_functional"


def af(lib: Any) -> Any:
    return lib.autograd.functional


# ---- torch.autograd.functional ---------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("shape", [(3,), (2, 3), (), (1,)])
def test_jacobian_and_vjp_jvp_of_one_tensor(torch: Any, dtype: Any, create_graph: bool,
                                            shape: tuple) -> None:
    data = (arr(*shape, dtype=dtype), arr(*shape, dtype=dtype))

    def run(lib: Any, x: Any, v: Any) -> tuple:
        F = af(lib)
        fn = lambda x: f_elementwise(lib, x)  # noqa: E731
        return (F.jacobian(fn, x, create_graph=create_graph),
                F.vjp(fn, x, v, create_graph=create_graph),
                F.jvp(fn, x, v, create_graph=create_graph))

    same(*both(torch, run, data), **tol(dtype))


@pytest.mark.parametrize("create_graph", [False, True])
def test_functional_with_tuples_in_and_out(torch: Any, create_graph: bool) -> None:
    data = (arr(3), arr(2), arr(3), arr(2), arr(3), arr(2))

    def run(lib: Any, x: Any, y: Any, vx: Any, vy: Any, wx: Any, wy: Any) -> tuple:
        F = af(lib)
        fn = lambda x, y: f_two_in_two_out(lib, x, y)  # noqa: E731
        return (F.jacobian(fn, (x, y), create_graph=create_graph),
                F.vjp(fn, (x, y), (wx, wy), create_graph=create_graph),
                F.jvp(fn, (x, y), (vx, vy), create_graph=create_graph),
                F.jacobian(lambda x, y: fn(x, y)[0], (x, y)),
                F.jacobian(lambda x: fn(x, y), x),
                F.jacobian(fn, (x, y), vectorize=True),
                F.jacobian(fn, (x, y), vectorize=True, strategy="forward-mode"))

    same(*both(torch, run, data, requires_grad=create_graph))


@pytest.mark.parametrize("create_graph", [False, True])
def test_hessian_vhp_hvp(torch: Any, create_graph: bool) -> None:
    data = (arr(3), arr(2), arr(3), arr(2))

    def run(lib: Any, x: Any, y: Any, vx: Any, vy: Any) -> tuple:
        F = af(lib)
        fn = lambda x, y: f_scalar2(lib, x, y)  # noqa: E731
        one = lambda x: f_scalar(lib, x)  # noqa: E731
        return (F.hessian(fn, (x, y), create_graph=create_graph),
                F.hessian(one, x, create_graph=create_graph),
                F.hessian(one, x, vectorize=True, outer_jacobian_strategy="forward-mode"),
                F.vhp(fn, (x, y), (vx, vy), create_graph=create_graph),
                F.hvp(fn, (x, y), (vx, vy), create_graph=create_graph),
                F.vhp(one, x, vx, create_graph=create_graph),
                F.hvp(one, x, vx, create_graph=create_graph))

    same(*both(torch, run, data, requires_grad=create_graph))


def test_create_graph_results_are_differentiable_again(torch: Any) -> None:
    def run(lib: Any, x: Any) -> Any:
        F = af(lib)
        jac = F.jacobian(lambda x: f_elementwise(lib, x), x, create_graph=True)
        return lib.autograd.grad(jac.sum(), x)

    same(*both(torch, run, (arr(4),), requires_grad=True))


def test_independent_outputs_give_zeros(torch: Any) -> None:
    def run(lib: Any, x: Any, y: Any) -> tuple:
        F = af(lib)
        fn = lambda x, y: f_ignores_y(lib, x, y)  # noqa: E731
        const = lambda x: f_constant(lib, x)  # noqa: E731
        return (F.jacobian(fn, (x, y)), F.vjp(fn, (x, y)), F.hessian(fn, (x, y)),
                F.jacobian(const, x), F.vjp(const, x, lib.ones(2, dtype=x.dtype)),
                F.jvp(const, x, x), F.hvp(fn, (x, y), (x, y)), F.vhp(fn, (x, y), (x, y)))

    same(*both(torch, run, (arr(3), arr(2))))


def test_zero_size_inputs(torch: Any) -> None:
    def run(lib: Any, x: Any, y: Any, z: Any) -> tuple:
        F = af(lib)
        fn = lambda x, y: (x * 2, y.sin())  # noqa: E731
        return (F.jacobian(lambda x: x.sum() + z, x), F.vjp(fn, (x, y), (x, y)),
                F.jvp(fn, (x, y), (x, y)))

    same(*both(torch, run, (arr(0), arr(2, 0), arr(2))))


def test_zero_size_output_jacobian_is_empty() -> None:
    """PyTorch's loop refuses (``stack expects a non-empty TensorList``); minigrad returns
    the empty Jacobian of shape ``output.shape + input.shape`` (docs/faq.md)."""
    jac = mg.autograd.functional.jacobian(lambda x: (x * 2, x[:0]), mg.ones(3))
    assert [tuple(j.shape) for j in jac] == [(3, 3), (0, 3)]


def test_v_may_be_none_for_one_element(torch: Any) -> None:
    def run(lib: Any, x: Any) -> tuple:
        F = af(lib)
        return (F.vjp(lambda x: (x ** 2).sum(), x), F.jvp(lambda x: x.exp() * 3, x),
                F.hvp(lambda x: (x ** 4).sum(), x), F.vhp(lambda x: (x ** 4).sum(), x))

    same(*both(torch, run, (arr(1),)))


STRICT_CASES = [
    ("jacobian", lambda lib, x, y: af(lib).jacobian(lambda x, y: x.exp().sum(), (x, y),
                                                    strict=True),
     "independent of input 1"),
    ("jacobian_output", lambda lib, x, y: af(lib).jacobian(lambda x: x.detach() * 2, x,
                                                           strict=True),
     "does not require gradients"),
    ("jacobian_graph", lambda lib, x, y: af(lib).jacobian(lambda x: x * 2, x, strict=True,
                                                          create_graph=True),
     "when create_graph=True"),
    ("vjp", lambda lib, x, y: af(lib).vjp(lambda x, y: x.exp().sum(), (x, y), strict=True),
     "independent of input 1"),
    ("jvp", lambda lib, x, y: af(lib).jvp(lambda x, y: x.exp().sum(), (x, y), (x, y),
                                          strict=True),
     "independent of input 1"),
    ("hessian_linear", lambda lib, x, y: af(lib).hessian(lambda x: (x * 2).sum(), x,
                                                         strict=True),
     "jacobian of the user-provided function with respect to input 0"),
    ("vhp", lambda lib, x, y: af(lib).vhp(lambda x: (x * 2).sum(), x, x, strict=True),
     "jacobian of the user-provided function with respect to input 0"),
    ("hvp", lambda lib, x, y: af(lib).hvp(lambda x: (x * 2).sum(), x, x, strict=True),
     "independent of the input"),
]


@pytest.mark.parametrize(("name", "fn", "fragment"), STRICT_CASES,
                         ids=[c[0] for c in STRICT_CASES])
def test_strict_errors(torch: Any, name: str, fn: Any, fragment: str) -> None:
    raises_like(torch, fn, (arr(3), arr(2)), fragment)


BAD_CALLS = [
    ("v_missing", lambda lib, x: af(lib).vjp(lambda x: x * 2, x),
     "v can only be None"),
    ("jvp_v_missing", lambda lib, x: af(lib).jvp(lambda x: x * 2, x),
     "v can only be None"),
    ("v_shape", lambda lib, x: af(lib).vjp(lambda x: x * 2, x, x[:2]), "v has invalid size"),
    ("v_tuple_len", lambda lib, x: af(lib).vjp(lambda x: (x, x), x, (x,)),
     "v is a tuple of invalid length"),
    ("v_single", lambda lib, x: af(lib).jvp(lambda x: x, x, (x, x)),
     "should contain a single Tensor"),
    ("inputs_type", lambda lib, x: af(lib).jacobian(lambda x: x, [x]), "must be either a Tensor"),
    ("output_type", lambda lib, x: af(lib).jacobian(lambda x: 3.0, x), "must be either a Tensor"),
    ("hessian_tuple", lambda lib, x: af(lib).hessian(lambda x: (x.sum(), x.sum()), x),
     "should return a single Tensor"),
    ("hessian_numel", lambda lib, x: af(lib).hessian(lambda x: x * 2, x),
     "should contain a single element"),
    ("hvp_numel", lambda lib, x: af(lib).hvp(lambda x: x * 2, x, x),
     "should contain a single element"),
    ("strategy", lambda lib, x: af(lib).jacobian(lambda x: x, x, strategy="sideways"),
     "Expected strategy"),
    ("forward_graph", lambda lib, x: af(lib).jacobian(lambda x: x, x, create_graph=True,
                                                      vectorize=True, strategy="forward-mode"),
     "not supported together"),
    ("forward_unvectorized", lambda lib, x: af(lib).jacobian(lambda x: x, x,
                                                             strategy="forward-mode"),
     "only implemented for `vectorize=True`"),
    ("strict_vectorize", lambda lib, x: af(lib).jacobian(lambda x: x, x, strict=True,
                                                         vectorize=True),
     "not supported together"),
]


@pytest.mark.parametrize(("name", "fn", "fragment"), BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_functional_bad_calls(torch: Any, name: str, fn: Any, fragment: str) -> None:
    raises_like(torch, fn, (arr(3),), fragment)


def test_functional_errors_start_with_the_function_name() -> None:
    with pytest.raises(RuntimeError, match=r"^vjp: The vector v can only be None"):
        mg.autograd.functional.vjp(lambda x: x * 2, mg.ones(3))
    with pytest.raises(TypeError, match=r"^jacobian: The inputs given to jacobian"):
        mg.autograd.functional.jacobian(lambda x: x, [mg.ones(3)])


# ---- torch.func ------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_grad_and_grad_of_grad(torch: Any, dtype: Any) -> None:
    def run(lib: Any, x: Any, y: Any) -> tuple:
        func = lib.func
        one = lambda x: f_scalar(lib, x)  # noqa: E731
        two = lambda x, y: f_scalar2(lib, x, y)  # noqa: E731
        d1 = func.grad(one)
        d2 = func.grad(lambda x: func.grad(one)(x).sum())
        d3 = func.grad(lambda x: func.grad(lambda x: func.grad(one)(x).sum())(x).sum())
        scalar = func.grad(lambda s: func.grad(lambda s: s.sin() * s)(s))
        return (d1(x), d2(x), d3(x), func.grad(two, argnums=(0, 1))(x, y),
                func.grad(two, argnums=1)(x, y), func.grad(two, argnums=-1)(x, y),
                func.grad_and_value(two)(x, y), scalar(x[0]))

    same(*both(torch, run, (arr(3, dtype=dtype), arr(2, dtype=dtype))), **tol(dtype))


def test_grad_pytrees_and_aux(torch: Any) -> None:
    def run(lib: Any, w: Any, b: Any, x: Any) -> tuple:
        func = lib.func

        def loss(params: dict, x: Any) -> tuple:
            out = x @ params["w"] + params["b"][0]
            return (out ** 2).mean(), {"out": out, "n": [out.sum()]}

        def loss_list(ps: list, x: Any) -> Any:
            return ((x @ ps[0]) * ps[1][0]).sum()

        return (func.grad(loss, has_aux=True)({"w": w, "b": (b,)}, x),
                func.grad_and_value(loss, has_aux=True)({"w": w, "b": (b,)}, x),
                func.grad(loss_list)([w, (b,)], x))

    same(*both(torch, run, (arr(3, 2), arr(2), arr(4, 3))))


def test_grad_of_an_input_that_requires_grad_keeps_the_graph(torch: Any) -> None:
    """An argument (or a closed-over tensor) that requires grad outside the transform: the
    result carries a graph to it, as PyTorch's; otherwise results are plain tensors."""
    def run(lib: Any, x: Any, w: Any) -> tuple:
        func = lib.func
        w = w.requires_grad_(True)
        g = func.grad(lambda x: (x.sin() * x).sum())(x)
        through_w = func.grad(lambda x: (x * w).sin().sum())(x.detach())
        plain = func.grad(lambda x: (x * w.detach()).sin().sum())(x.detach())
        (gx,) = lib.autograd.grad(g.sum(), x)
        (gw,) = lib.autograd.grad(through_w.sum(), w)
        with lib.no_grad():
            under_no_grad = func.grad(lambda x: (x * w).sin().sum())(x.detach())
        return g, gx, through_w, gw, plain, under_no_grad

    same(*both(torch, run, (arr(3), arr(3)), requires_grad=True))


def test_vjp_and_jvp(torch: Any) -> None:
    def run(lib: Any, x: Any, y: Any, vx: Any, vy: Any) -> tuple:
        func = lib.func
        fn = lambda x, y: f_two_in_two_out(lib, x, y)  # noqa: E731
        out, vjp_fn = func.vjp(fn, x, y)
        out2, vjp_fn2, aux = func.vjp(lambda x: (x.exp(), x.sum()), x, has_aux=True)
        return (out, vjp_fn((vx, vy)), vjp_fn((vx * 2, vy)), out2, vjp_fn2(vx), aux,
                func.jvp(fn, (x, y), (vx, vy)),
                func.jvp(lambda x: {"a": x.sin(), "b": [x * 2]}, (x,), (vx,)),
                func.jvp(lambda x: (x.cos(), x.sum()), (x,), (vx,), has_aux=True),
                func.jvp(lambda x: x.detach() * 2, (x,), (vx,)))

    same(*both(torch, run, (arr(3), arr(2), arr(3), arr(2))))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_jacrev_jacfwd_hessian(torch: Any, dtype: Any) -> None:
    def run(lib: Any, x: Any, y: Any) -> tuple:
        func = lib.func
        fn = lambda x, y: f_two_in_two_out(lib, x, y)  # noqa: E731
        two = lambda x, y: f_scalar2(lib, x, y)  # noqa: E731
        return (func.jacrev(fn)(x, y), func.jacrev(fn, argnums=(0, 1))(x, y),
                func.jacfwd(fn, argnums=(1, 0))(x, y),
                func.jacrev(lambda x: (x.sin(), {"s": x.sum()}), has_aux=False)(x),
                func.jacrev(lambda x: (x.exp(), x.sum()), has_aux=True)(x),
                func.jacrev(lambda d: d["a"] * d["b"].sum())({"a": x, "b": y}),
                func.hessian(lambda x: f_scalar(lib, x))(x),
                func.hessian(two, argnums=(0, 1))(x, y),
                func.jacrev(lambda x: x * 0 + 1)(x),
                func.jacrev(lambda x: x.reshape(x.shape[0], 1, 1) * 2)(x[:0]))

    same(*both(torch, run, (arr(3, dtype=dtype), arr(2, dtype=dtype))), **tol(dtype))


def test_vmap_in_dims_out_dims(torch: Any) -> None:
    def run(lib: Any, x: Any, y: Any, z: Any) -> tuple:
        vmap = lib.func.vmap
        return (vmap(lambda a: a.sum())(x),
                vmap(lambda a, b: a * b, in_dims=(1, None))(x, y[:2]),
                vmap(lambda a, b: a @ b, in_dims=(0, -1))(x, z),
                vmap(lambda d: d["p"][0] + d["q"], in_dims=({"p": (0,), "q": None},))(
                    {"p": (x,), "q": y[:3]}),
                vmap(lambda a: (a * 2, a.sum()), out_dims=(1, 0))(x),
                vmap(lambda a: a.exp(), out_dims=-1)(x),
                vmap(lambda a, scale: a * scale)(x, scale=3.0),
                vmap(lambda a: (a, lib.ones(2, dtype=a.dtype)), out_dims=(0, None))(x),
                vmap(vmap(lambda a: a ** 2))(x),
                vmap(lambda a: a.sum(), in_dims=0)(x[:0]),
                vmap(lambda a: a[None] * 2, in_dims=1)(x[:, :1]),
                vmap(lambda a: a.sum())(z[0]))

    same(*both(torch, run, (arr(2, 3), arr(4), arr(3, 2))))


def test_per_sample_gradients_tutorial(torch: Any) -> None:
    """torch.func's per-sample-gradients tutorial: vmap(grad(loss)) over the batch with a
    model's parameters passed in by functional_call."""
    weights = {"0.weight": arr(8, 5), "0.bias": arr(8), "2.weight": arr(3, 8),
               "2.bias": arr(3)}
    data, targets = arr(6, 5), np.array([0, 2, 1, 1, 0, 2])

    def run(lib: Any) -> tuple:
        nn = lib.nn
        model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))
        params = {k: lib.tensor(v) for k, v in weights.items()}

        def loss(p: dict, sample: Any, target: Any) -> Any:
            out = lib.func.functional_call(model, p, (sample.unsqueeze(0),))
            return nn.functional.cross_entropy(out, target.unsqueeze(0))

        per_sample = lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0, 0))(
            params, lib.tensor(data), lib.tensor(targets))
        return per_sample, {k: v.shape for k, v in model.named_parameters()}

    ours, theirs = run(mg), run(torch)
    same(ours[0], theirs[0])
    assert {k: tuple(v) for k, v in ours[1].items()} == {
        k: tuple(v) for k, v in theirs[1].items()}
    # the module kept its own parameters
    total = {k: sum(ours[0][k][i] for i in range(6)) / 6 for k in weights}
    assert total["0.weight"].shape == (8, 5)


def test_hessian_of_a_small_mlp_loss(torch: Any) -> None:
    weights = {"0.weight": arr(4, 3), "0.bias": arr(4), "2.weight": arr(1, 4), "2.bias": arr(1)}
    x, y = arr(5, 3), arr(5, 1)

    def run(lib: Any) -> tuple:
        nn = lib.nn
        model = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1))
        params = {k: lib.tensor(v) for k, v in weights.items()}

        def loss(p: dict) -> Any:
            out = lib.func.functional_call(model, p, lib.tensor(x))
            return ((out - lib.tensor(y)) ** 2).mean()

        flat = lib.tensor(np.concatenate([v.ravel() for v in weights.values()]))

        def loss_flat(w: Any) -> Any:
            p, start = {}, 0
            for k, v in weights.items():
                p[k] = w[start:start + v.size].reshape(v.shape)
                start += v.size
            return loss(p)

        return (lib.func.hessian(loss)(params)["2.weight"]["0.bias"],
                lib.func.hessian(loss_flat)(flat),
                lib.autograd.functional.hessian(loss_flat, flat))

    same(*[(run(mg)[i], run(torch)[i]) for i in (0,)][0])
    ours, theirs = run(mg), run(torch)
    same(ours, theirs)


def test_functional_call_linear_and_batchnorm(torch: Any) -> None:
    x, w0 = arr(4, 3, dtype=np.float32), arr(3, 3, dtype=np.float32)

    def run(lib: Any) -> tuple:
        nn = lib.nn
        model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
        own = {k: v.detach().clone() for k, v in model.state_dict().items()}
        w = lib.tensor(w0, requires_grad=True)
        mean, var = lib.zeros(3, dtype=w.dtype), lib.ones(3, dtype=w.dtype)
        count = lib.tensor(0)
        out = lib.func.functional_call(model, ({"0.weight": w, "0.bias": lib.tensor(w0[0])},
                                               {"1.running_mean": mean, "1.running_var": var,
                                                "1.num_batches_tracked": count}),
                                       lib.tensor(x))
        (gw,) = lib.autograd.grad(out.pow(3).sum(), w)
        still = all(bool((own[k] == v).all()) for k, v in model.state_dict().items())
        return out, gw, mean, var, count, still

    ours, theirs = run(mg), run(torch)
    assert ours[5] and theirs[5]
    same(ours[:5], theirs[:5], rtol=1e-4, atol=1e-5)


def test_functional_call_restores_on_exceptions_and_ties_weights(torch: Any) -> None:
    def run(lib: Any) -> tuple:
        nn = lib.nn
        model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
        model[1].weight = model[0].weight  # tied
        before = model[0].weight
        w = lib.ones(2, 2, dtype=before.dtype)
        with pytest.raises(TypeError):
            lib.func.functional_call(model, {"0.weight": w}, (lib.ones(2, dtype=w.dtype),),
                                     {"nope": 1})
        restored = model[0].weight is before and model[1].weight is before
        x = lib.ones(1, 2, dtype=w.dtype)
        tied = lib.func.functional_call(model, {"0.weight": w, "0.bias": w[0] * 0,
                                                "1.bias": w[0] * 0}, (x,))
        untied = lib.func.functional_call(model, {"0.weight": w}, x, tie_weights=False)
        m0, m1 = model[0], model[1]
        by_hand = (x @ w.T + m0.bias) @ m0.weight.T + m1.bias
        return restored, tied, (untied - by_hand).abs().max().detach() < 1e-6

    ours, theirs = run(mg), run(torch)
    assert ours[0] and theirs[0]
    same(ours[1:], theirs[1:], atol=1e-6)


FUNCTIONAL_CALL_ERRORS = [
    ("missing", {"weight": 1}, {"strict": True}, RuntimeError, "Missing key(s): 'bias'."),
    ("unexpected", {"weight": 1, "bias": 0, "foo": 0}, {"strict": True}, RuntimeError,
     "Unexpected key(s): 'foo'."),
    ("repeated", ({"weight": 1}, {"weight": 2}), {}, ValueError,
     "appeared in multiple dictionaries"),
]


@pytest.mark.parametrize(("name", "given", "kwargs", "error", "fragment"),
                         FUNCTIONAL_CALL_ERRORS, ids=[c[0] for c in FUNCTIONAL_CALL_ERRORS])
def test_functional_call_errors(torch: Any, name: str, given: Any, kwargs: dict, error: type,
                                fragment: str) -> None:
    def make(lib: Any, g: Any) -> Any:
        if isinstance(g, tuple):
            return tuple(make(lib, d) for d in g)
        shapes = {"weight": (2, 3), "bias": (2,), "foo": (1,)}
        return {k: lib.full(shapes[k], float(v)) for k, v in g.items()}

    for lib in (torch, mg):
        with pytest.raises(error) as info:
            lib.func.functional_call(lib.nn.Linear(3, 2), make(lib, given), lib.ones(3),
                                     **kwargs)
        assert fragment in str(info.value)


def test_tied_weights_given_twice_is_an_error(torch: Any) -> None:
    for lib in (torch, mg):
        model = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.Linear(2, 2))
        model[1].weight = model[0].weight
        with pytest.raises(ValueError, match="which are tied"):
            lib.func.functional_call(model, {"0.weight": lib.ones(2, 2),
                                             "1.weight": lib.zeros(2, 2)}, lib.ones(2))


def test_nn_utils_stateless_is_the_older_name(torch: Any) -> None:
    for lib in (torch, mg):
        model = lib.nn.Linear(2, 1)
        with pytest.warns(FutureWarning, match="torch.func.functional_call"):
            out = lib.nn.utils.stateless.functional_call(
                model, {"weight": lib.ones(1, 2), "bias": lib.zeros(1)}, (lib.ones(2),))
        assert float(out[0]) == 2.0


FUNC_ERRORS = [
    ("grad_not_scalar", lambda lib, x: lib.func.grad(lambda x: x)(x),
     RuntimeError, "Expected f(*args) to return a scalar Tensor, got tensor with 1 dims"),
    ("grad_not_tensor", lambda lib, x: lib.func.grad(lambda x: 1.0)(x),
     RuntimeError, "Expected f(*args) to return a Tensor"),
    ("argnum_range", lambda lib, x: lib.func.grad(lambda x: x.sum(), argnums=1)(x),
     RuntimeError, "Got argnum=1, but only 1 positional inputs"),
    ("argnum_type", lambda lib, x: lib.func.grad(lambda x: x.sum(), argnums=[0])(x),
     RuntimeError, "argnums must be int or Tuple[int, ...]"),
    ("argnum_unique", lambda lib, x: lib.func.grad(lambda x: x.sum(), argnums=(0, 0))(x),
     RuntimeError, "argnums elements must be unique"),
    ("aux", lambda lib, x: lib.func.grad(lambda x: x.sum(), has_aux=True)(x),
     RuntimeError, "should be a tuple: (output, aux)"),
    ("non_tensor", lambda lib, x: lib.func.grad(lambda x: x.sum())(3.0),
     ValueError, "Thing passed to transform API must be Tensor"),
    ("integer", lambda lib, x: lib.func.grad(lambda x: x.sum())(lib.arange(3)),
     RuntimeError, "floating point"),
    ("jvp_primals", lambda lib, x: lib.func.jvp(lambda x: x, x, x),
     RuntimeError, "Expected primals to be a tuple"),
    ("jvp_structure", lambda lib, x: lib.func.jvp(lambda x: x, (x,), (x, x)),
     RuntimeError, "Expected primals and tangents to have the same python structure"),
    ("jvp_shape", lambda lib, x: lib.func.jvp(lambda x: x, (x,), (x[:2],)),
     RuntimeError, "different size"),
    ("jvp_output", lambda lib, x: lib.func.jvp(lambda x: 1, (x,), (x,)),
     RuntimeError, "expected f(*primals) to return only tensors"),
    ("vjp_output", lambda lib, x: lib.func.vjp(lambda x: 1, x),
     RuntimeError, "expected f(*primals) to return only tensors"),
    ("vjp_cotangent_shape", lambda lib, x: lib.func.vjp(lambda x: x, x)[1](x[:2]),
     RuntimeError, "Mismatch in shape"),
    ("vjp_cotangent_tree", lambda lib, x: lib.func.vjp(lambda x: x, x)[1]((x,)),
     RuntimeError, "Expected pytree structure of cotangents"),
    ("jacrev_argnum", lambda lib, x: lib.func.jacrev(lambda x: x, argnums=(0, 1))(x),
     RuntimeError, "Got argnum=1"),
    ("jacfwd_random", lambda lib, x: lib.func.jacfwd(lambda x: lib.rand(3) * x)(x),
     RuntimeError, "randomness error mode"),
    ("vmap_in_dims_type", lambda lib, x: lib.func.vmap(lambda a: a, in_dims=[0])(x),
     ValueError, "expected `in_dims` to be int or a (potentially nested) tuple"),
    ("vmap_in_dims_len", lambda lib, x: lib.func.vmap(lambda a: a, in_dims=(0, 0))(x),
     ValueError, "in_dims is not compatible with the structure of `inputs`"),
    ("vmap_in_dims_none", lambda lib, x: lib.func.vmap(lambda a: a, in_dims=(None,))(x),
     ValueError, "Expected at least one Tensor to vmap over"),
    ("vmap_in_dim_range", lambda lib, x: lib.func.vmap(lambda a: a, in_dims=1)(x),
     ValueError, "Got in_dim=1 for some input"),
    ("vmap_sizes", lambda lib, x: lib.func.vmap(lambda a, b: a + b)(x, x[:2]),
     ValueError, "got sizes [3, 2] for the mapped dimension"),
    ("vmap_returns", lambda lib, x: lib.func.vmap(lambda a: 1.0)(x),
     ValueError, "must only return Tensors"),
    ("vmap_random", lambda lib, x: lib.func.vmap(lambda a: lib.rand(2))(x),
     RuntimeError, "randomness error mode"),
    ("vmap_randomness", lambda lib, x: lib.func.vmap(lambda a: a, randomness="bad")(x),
     RuntimeError, "Only allowed values for randomness"),
    ("vmap_chunk", lambda lib, x: lib.func.vmap(lambda a: a, chunk_size=0)(x),
     ValueError, "chunk_size should be None or greater than 0"),
    ("vmap_out_dims", lambda lib, x: lib.func.vmap(lambda a: a, out_dims=(0, 0))(x),
     ValueError, "out_dims is not compatible"),
    ("vmap_out_none", lambda lib, x: lib.func.vmap(lambda a: a, out_dims=None)(x),
     ValueError, "can not return a BatchedTensor when out_dim is None"),
    ("vmap_non_tensor", lambda lib, x: lib.func.vmap(lambda a: a)(3.0),
     ValueError, "We cannot vmap over non-Tensor arguments"),
    ("vmap_no_inputs", lambda lib, x: lib.func.vmap(lambda: 1)(),
     ValueError, "got no inputs"),
]


@pytest.mark.parametrize(("name", "fn", "error", "fragment"), FUNC_ERRORS,
                         ids=[c[0] for c in FUNC_ERRORS])
def test_func_errors(torch: Any, name: str, fn: Any, error: type, fragment: str) -> None:
    for lib in (torch, mg):
        with pytest.raises(error) as info:
            fn(lib, lib.tensor(arr(3)))
        assert fragment in str(info.value), (lib.__name__, str(info.value))


def test_vmap_runs_python_control_flow_on_the_slices() -> None:
    """minigrad's vmap is a loop: a function may branch on a slice's values (PyTorch's
    batched tensors refuse; docs/faq.md)."""
    out = mg.func.vmap(lambda a: a * 2 if float(a.sum()) > 0 else -a)(
        mg.tensor([[1.0, 2.0], [-3.0, 1.0]]))
    assert out.tolist() == [[2.0, 4.0], [3.0, -1.0]]


def test_vmap_of_grad_is_differentiable_outside(torch: Any) -> None:
    def run(lib: Any, x: Any) -> Any:
        per_row = lib.func.vmap(lib.func.grad(lambda r: (r.sin() * r).sum()))(x)
        return per_row, lib.autograd.grad(per_row.pow(2).sum(), x)

    same(*both(torch, run, (arr(3, 2),), requires_grad=True))


def test_vmap_randomness_modes() -> None:
    x = mg.ones(4)
    different = mg.func.vmap(lambda a: mg.rand(2) + a, randomness="different")(x)
    same_draws = mg.func.vmap(lambda a: mg.rand(2) + a, randomness="same")(x)
    assert different.shape == same_draws.shape == (4, 2)
    assert len({tuple(r) for r in different.numpy().round(8)}) == 4
    assert len({tuple(r) for r in same_draws.numpy().round(8)}) == 1


# ---- gradchecks of composed transforms -------------------------------------------------

def test_transforms_pass_gradcheck_and_gradgradcheck() -> None:
    func = mg.func
    x = mg.tensor(arr(3), requires_grad=True)
    y = mg.tensor(arr(2), requires_grad=True)
    cases = [
        (lambda x: func.grad(lambda x: f_scalar(mg, x))(x), (x,)),
        (lambda x, y: func.jacrev(lambda x, y: f_two_in_two_out(mg, x, y)[1])(x, y), (x, y)),
        (lambda x: func.vmap(func.grad(lambda r: (r.sin() * r).sum()))(x.reshape(3, 1)), (x,)),
        (lambda x, y: func.jvp(lambda x: x.exp() * y.sum(), (x,), (x.cos(),))[1], (x, y)),
        (lambda x: mg.autograd.functional.hvp(lambda x: (x ** 4).sum(), x, x.sin(),
                                              create_graph=True)[1], (x,)),
    ]
    for fn, inputs in cases:
        assert mg.gradcheck(fn, inputs)
        assert mg.gradgradcheck(fn, inputs)


# ---- torch.autograd's other names ------------------------------------------------------

def test_variable_anomaly_gradcheck_grad_mode(torch: Any) -> None:
    for lib in (torch, mg):
        t = lib.ones(2)
        v = lib.autograd.Variable(t, requires_grad=True)
        assert type(v) is lib.Tensor and v.requires_grad and v.is_leaf
        assert v is not t and not t.requires_grad
        assert not lib.autograd.Variable(v * 2).requires_grad
        assert tuple(lib.autograd.Variable().shape) == (0,)
        with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
            lib.autograd.Variable([1.0])
        assert isinstance(lib.ones(1), lib.autograd.Variable)
        enabled = getattr(lib, "is_anomaly_enabled", None) or lib.autograd.is_anomaly_enabled
        assert not enabled()
        with lib.autograd.set_detect_anomaly(True):
            assert enabled()
        assert not enabled()
        lib.autograd.set_detect_anomaly(True)
        assert enabled()
        lib.autograd.set_detect_anomaly(False)
        assert not enabled()
        x = lib.tensor([0.5, 1.0], dtype=lib.float64, requires_grad=True)
        assert lib.autograd.gradcheck(lambda x: x.sin(), (x,))
        assert lib.autograd.gradgradcheck(lambda x: x.sin(), (x,))
        assert lib.autograd.grad_mode.no_grad is lib.no_grad
        with lib.autograd.set_multithreading_enabled(False):
            assert lib.autograd.gradcheck(lambda x: x.exp(), (x,))


def test_autograd_submodules_import_by_name() -> None:
    code = ("import minigrad, sys\n"
            "assert 'minigrad.autograd.functional' not in sys.modules\n"
            "assert 'minigrad.func' not in sys.modules\n"
            "from minigrad.autograd.functional import jacobian\n"
            "from minigrad.autograd.gradcheck import gradcheck, gradgradcheck\n"
            "import minigrad.autograd.grad_mode\n"
            "assert minigrad.autograd.functional.jacobian is jacobian\n"
            "assert callable(minigrad.autograd.gradcheck)\n"
            "from minigrad.func import vmap, grad\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False)
    assert out.stdout.strip() == "ok", out.stderr
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        mg.autograd.nothing  # noqa: B018
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mg.func.grad is not None
