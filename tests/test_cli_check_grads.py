"""``minigrad check-grads``: the subcommand module, run through its own parser."""

from __future__ import annotations

import argparse

import pytest

from minigrad.cli import check_grads
from minigrad.cli.errors import CLIError


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="minigrad")
    check_grads.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["check-grads", *argv])


def test_check_grads_prints_one_line_per_parameter_of_simpleconvnet(capsys) -> None:
    args = parse("--model", "simpleconvnet", "--samples", "5", "--batch-size", "1")
    assert args.func is check_grads.run
    assert check_grads.run(args) == 0
    out = capsys.readouterr().out
    for name in ("conv1.weight", "conv1.bias", "fc1.weight", "fc1.bias", "fc2.weight",
                 "fc2.bias"):
        assert name in out
    assert out.count(" ok\n") == 6 and "all 6 parameters agree" in out
    assert "5/432000" in out  # fc1.weight: sampled


def test_check_grads_with_cross_entropy_and_bad_arguments(capsys) -> None:
    assert check_grads.run(parse("--samples", "3", "--loss", "cross-entropy", "--tol",
                                 "1e-4", "--batch-size", "1")) == 0
    with pytest.raises(CLIError, match="--eps"):
        check_grads.run(parse("--eps", "0"))
    with pytest.raises(SystemExit):
        parse("--model", "alexnet")
