"""The classic CNNs from one PyTorch source text, run on PyTorch and on minigrad.

tests/zoo/classic_cnns.py is PyTorch code. It runs once as it is and once with its imports
rewritten to minigrad. PyTorch's freshly initialised weights go into minigrad through
``load_state_dict``; then logits, loss, every parameter's gradient (by name), BatchNorm's running
statistics and the parameters after a few SGD steps under a StepLR schedule must agree.

The training comparison runs in float64, so a ReLU mask or max-pool choice cannot flip on
float32 round-off and the tolerance can be tight; the eval comparison runs in float32.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import minigrad
import minigrad.nn.functional
import minigrad.optim
import minigrad.optim.lr_scheduler

torch = pytest.importorskip("torch")

SOURCE = Path(__file__).with_name("zoo") / "classic_cnns.py"
PORTED_IMPORTS = {
    "import torch": "import minigrad as torch",
    "from torch import nn": "from minigrad import nn",
    "from torch.nn import functional as F": "from minigrad.nn import functional as F",
}


def load_zoo(port: bool) -> ModuleType:
    """Execute the zoo's text, with its imports rewritten when ``port``."""
    text = SOURCE.read_text()
    if port:
        for line, ported in PORTED_IMPORTS.items():
            text, count = re.subn(rf"^{re.escape(line)}$", ported, text, flags=re.M)
            assert count == 1, line
    module = ModuleType("minigrad_zoo" if port else "torch_zoo")
    exec(compile(text, str(SOURCE), "exec"), module.__dict__)
    return module


TORCH_ZOO = load_zoo(port=False)
MINIGRAD_ZOO = load_zoo(port=True)


def assert_close(name: str, ours, theirs, rtol: float = 2e-4) -> None:  # noqa: ANN001
    """Agreement relative to the tensor's own scale (float32 round-off through deep nets)."""
    ours = np.asarray(ours.detach().numpy() if hasattr(ours, "detach") else ours)
    theirs = theirs.detach().numpy()
    assert ours.shape == theirs.shape, f"{name}: shape {ours.shape} != {theirs.shape}"
    assert ours.dtype == theirs.dtype, f"{name}: dtype {ours.dtype} != {theirs.dtype}"
    scale = max(float(np.abs(theirs).max()), 1e-6)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * scale, err_msg=name)


def build_pair(name: str, seed: int = 0, double: bool = False):  # noqa: ANN202
    builder, shape = TORCH_ZOO.ZOO[name]
    torch.manual_seed(seed)
    theirs = builder()
    ours = MINIGRAD_ZOO.ZOO[name][0]()
    if double:
        theirs, ours = theirs.double(), ours.double()
    state = {k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(state), "state_dict names differ"
    result = ours.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys
    return ours, theirs, shape


@pytest.mark.parametrize("name", list(TORCH_ZOO.ZOO))
def test_classic_cnn_matches_pytorch_through_training_steps(name: str) -> None:
    ours, theirs, shape = build_pair(name, double=True)
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal(shape) for _ in range(3)]
    ys = [rng.integers(0, 10, shape[0]) for _ in range(3)]

    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    opt_m = minigrad.optim.SGD(ours.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    sched_t = torch.optim.lr_scheduler.StepLR(opt_t, step_size=1, gamma=0.5)
    sched_m = minigrad.optim.lr_scheduler.StepLR(opt_m, step_size=1, gamma=0.5)
    params_t = dict(theirs.named_parameters())
    for step, (x, y) in enumerate(zip(xs, ys)):
        opt_t.zero_grad()
        opt_m.zero_grad()
        logits_t = theirs(torch.from_numpy(x))
        logits_m = ours(minigrad.tensor(x))
        assert_close(f"{name} step {step} logits", logits_m, logits_t, rtol=1e-9)
        loss_t = torch.nn.functional.cross_entropy(logits_t, torch.from_numpy(y))
        loss_m = minigrad.nn.functional.cross_entropy(logits_m, minigrad.tensor(y))
        assert_close(f"{name} step {step} loss", loss_m, loss_t, rtol=1e-9)
        loss_t.backward()
        loss_m.backward()
        for pname, p in ours.named_parameters():
            assert_close(f"{name} step {step} grad {pname}", p.grad, params_t[pname].grad,
                         rtol=1e-8)
        opt_t.step()
        opt_m.step()
        sched_t.step()
        sched_m.step()
        assert sched_m.get_last_lr() == pytest.approx(sched_t.get_last_lr())
    buffers_t = dict(theirs.named_buffers())
    for bname, b in ours.named_buffers():
        assert_close(f"{name} buffer {bname}", b, buffers_t[bname], rtol=1e-9)
    for pname, p in ours.named_parameters():
        assert_close(f"{name} parameter {pname} after 3 steps", p, params_t[pname], rtol=1e-8)


@pytest.mark.parametrize("name", list(TORCH_ZOO.ZOO))
def test_classic_cnn_eval_mode_matches_pytorch(name: str) -> None:
    ours, theirs, shape = build_pair(name, seed=2)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x))
    with minigrad.no_grad():
        assert_close(f"{name} eval logits", ours(minigrad.tensor(x)), expected)
