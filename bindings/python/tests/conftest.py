"""Fixtures: one in-process sandbox per test module and a client configured for it."""

from __future__ import annotations

import itertools
import os
from typing import Callable, Iterator

import pytest

import payup

_seq = itertools.count()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[payup.Sandbox]:
    with payup.Sandbox() as sb:
        yield sb


@pytest.fixture
def client(sandbox: payup.Sandbox) -> payup.Client:
    sandbox.clear_faults()
    return sandbox.client()


@pytest.fixture
def order() -> Callable[[str], str]:
    """Unique order numbers: ``order("K")`` → ``K1234-7``."""

    def make(prefix: str) -> str:
        return f"{prefix}{os.getpid() % 10000}-{next(_seq)}"

    return make
