"""A client used before ``os.fork()`` (gunicorn ``--preload``, uwsgi, ``multiprocessing`` with fork): each child
must get connections of its own, never the parent's pooled ones (issue 14: answers crossed between processes
and payup cancelled other buyers' payments)."""

from __future__ import annotations

import json
import os
import sys
from typing import Dict, List

import pytest
from helpers import keyin

import payup

CHILDREN = 4
PER_CHILD = 100

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _child(client: payup.Client, index: int, out_fd: int) -> None:
    """Runs in the child: PER_CHILD approvals, one JSON line per outcome to the parent."""
    with os.fdopen(out_fd, "w") as out:
        for i in range(PER_CHILD):
            order = f"F{os.getpid()}-{index}-{i}"
            amount = 1000 + index * 1000 + i  # every order its own amount: a crossed answer would show
            try:
                r = client.payup_keyin_approve(**keyin(order, amount=amount))
                out.write(json.dumps({"order": order, "amount": amount, "ok": True,
                                      "answer_order": r["order_number"], "answer_amount": r["amount"],
                                      "transaction_id": r["transaction_id"]}) + "\n")
            except payup.PayupError as e:
                out.write(json.dumps({"order": order, "amount": amount, "ok": False,
                                      "error": f"{e.kind} {e.code} {e.message}"}) + "\n")


def _fork_children(client: payup.Client) -> List[Dict[str, object]]:
    pids, reads = [], []
    for index in range(CHILDREN):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(r)
            code = 0
            try:
                _child(client, index, w)
            except BaseException:  # noqa: BLE001 - a child must never return into pytest
                code = 1
            finally:
                sys.stdout.flush()
                os._exit(code)
        os.close(w)
        pids.append(pid)
        reads.append(r)
    lines: List[Dict[str, object]] = []
    for r in reads:
        with os.fdopen(r) as f:
            lines.extend(json.loads(line) for line in f if line.strip())
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    return lines


def test_a_client_used_before_fork_serves_every_child_correctly(sandbox: payup.Sandbox) -> None:
    sandbox.reset()
    client = sandbox.client()
    # The parent's keep-alive pool now holds a connection that every child inherits.
    first = client.payup_keyin_approve(**keyin("FORK-PARENT", amount=999))
    results = _fork_children(client)

    assert len(results) == CHILDREN * PER_CHILD
    failed = [r for r in results if not r["ok"]]
    assert failed == [], failed[:5]
    wrong = [r for r in results if (r["answer_order"], r["answer_amount"]) != (r["order"], r["amount"])]
    assert wrong == [], wrong[:5]

    # The ledger holds exactly the approvals made (the parent's and each child's), every one still approved.
    ledger = sandbox.transactions()
    assert sorted(t["order_number"] for t in ledger) == sorted([str(r["order"]) for r in results] + ["FORK-PARENT"])
    assert {t["status"] for t in ledger} == {"approved"}
    assert {t["id"] for t in ledger} == {str(r["transaction_id"]) for r in results} | {first["transaction_id"]}

    # The parent's own pool is untouched by its children: it still works.
    again = client.payup_keyin_approve(**keyin("FORK-PARENT-2", amount=998))
    assert again["order_number"] == "FORK-PARENT-2"


def test_a_sandbox_handle_in_a_forked_child_talks_to_the_parents_server(sandbox: payup.Sandbox) -> None:
    sandbox.reset()
    client = sandbox.client()
    client.payup_keyin_approve(**keyin("FORK-SB-1"))
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(r)
            # The child's copy of the sandbox reads the live ledger over HTTP, arms a fault in the parent's
            # server, and closing it there leaves the parent's server running.
            orders = [t["order_number"] for t in sandbox.transactions()]
            sandbox.arm_fault("payup.keyin.approve", "http_500")
            sandbox.close()
            with os.fdopen(w, "w") as out:
                out.write(json.dumps(orders))
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r) as f:
        seen = json.loads(f.read() or "null")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert seen == ["FORK-SB-1"]
    # The fault was armed by the child, in the parent's server: the parent's next approval meets it.
    with pytest.raises(payup.AmbiguousOutcomeError):
        client.payup_keyin_approve(**keyin("FORK-SB-2"))
    assert not sandbox.closed
