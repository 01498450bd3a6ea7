"""One small PyTorch program per capability a real program leans on (tests/programs/), run
on PyTorch as written and on minigrad with only its imports rewritten; both print the same
words and the same numbers.

The programs make their numbers comparable without sharing a random generator: weights and
inputs come from a formula written to ``.data`` (float64), or from a file that ``torch.save``
wrote; where they use randomness (shuffling, ``normal_``, Hogwild's interleaving) they print
properties of it (each sample once, the spread, convergence), not the draws.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from porting import ROOT, ported, run  # tests/porting.py

pytest.importorskip("torch", reason="PyTorch runs the programs as written")

PROGRAMS = ROOT / "tests" / "programs"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
# program: relative tolerance of its numbers (float64 programs agree to round-off; load_pth
# evaluates PyTorch's float32 weights in float32)
TOLERANCE = {
    "dataloader.py": 1e-12,
    "data_init.py": 1e-10,
    "clip_grad.py": 1e-10,
    "data_parallel.py": 1e-10,
    "cudnn_flags.py": 1e-10,
    "hogwild.py": 1e-10,
    "checkpointing.py": 1e-10,
    "load_pth.py": 1e-5,
    "transformer_lm.py": 1e-9,
    # L-BFGS turns one-ulp differences into ~1e-7 over 40 iterations (PyTorch against itself
    # with another summation order does the same; docs/faq.md)
    "time_sequence_prediction.py": 1e-6,
    "reinforce.py": 1e-10,
    "vae.py": 1e-10,
    "per_sample_grads.py": 1e-10,
    "gradcam.py": 1e-10,
    "swa_and_norms.py": 1e-9,  # PyTorch's matrix_exp (the orthogonal map) is ~5e-12 off
    "amp_scaler.py": 1e-10,
    "linalg_special.py": 1e-9,
    "iterable_data.py": 1e-12,
}
HELPERS = {"save_pth.py"}  # run on PyTorch only, to write load_pth.py's file


def _words_and_numbers(output: str) -> tuple[str, list[float]]:
    """The output with every number replaced by ``#``, and the numbers. PyTorch's dtype
    names (``torch.float32``) read as numpy's (``float32``)."""
    output = output.replace("torch.", "")
    return NUMBER.sub("#", output), [float(n) for n in NUMBER.findall(output)]


def test_every_program_is_checked() -> None:
    found = {p.name for p in PROGRAMS.glob("*.py")}
    assert found == set(TOLERANCE) | HELPERS


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TOLERANCE))
def test_program_prints_pytorchs_words_and_numbers_on_minigrad(name: str, tmp_path: Path
                                                               ) -> None:
    program = PROGRAMS / name
    args: tuple[str, ...] = ()
    if name == "load_pth.py":
        args = (str(tmp_path / "net.pth"),)
        run(PROGRAMS / "save_pth.py", *args)  # PyTorch writes the file...
    theirs = run(program, *args)
    ours = run(ported(program, tmp_path), *args)  # ...that minigrad reads, without torch
    (their_words, expected), (our_words, got) = map(_words_and_numbers, (theirs, ours))
    assert our_words == their_words, f"PyTorch printed:\n{theirs}\nminigrad printed:\n{ours}"
    assert len(expected) > 3
    np.testing.assert_allclose(got, expected, rtol=TOLERANCE[name], atol=1e-12)
