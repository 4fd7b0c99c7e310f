"""The payment journal through Python (issue 17): replay, IN_FLIGHT with journal_id, Client.recover()."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import keyin, ledger_for

import payup


def test_replay_in_flight_and_recover(tmp_path: Path) -> None:
    with payup.Sandbox() as sb:
        config = sb.client_config()
        config["journal"] = {"sqlite": str(tmp_path / "payup.db")}
        c = payup.Client(config)
        first = c.call("payup.keyin.approve", keyin("PY-J-1"))
        again = c.call("payup.keyin.approve", keyin("PY-J-1"))
        assert again["replayed"] is True and again["transaction_id"] == first["transaction_id"]
        with pytest.raises(payup.InvalidRequestError) as dup:
            c.call("payup.keyin.approve", keyin("PY-J-1", amount=2000))
        assert dup.value.payup_code == "DUPLICATE_ORDER" and dup.value.journal_id == again["journal_id"]
        assert len(ledger_for(sb, "PY-J-1")) == 1

        sb.arm_fault("payup.keyin.approve", "drop_after_commit")
        with pytest.raises(payup.AmbiguousOutcomeError) as lost:
            c.call("payup.keyin.approve", keyin("PY-J-2"))
        journal_id = lost.value.journal_id
        assert isinstance(journal_id, int)
        with pytest.raises(payup.AmbiguousOutcomeError) as held:
            c.call("payup.keyin.approve", keyin("PY-J-2"))
        assert (held.value.payup_code, held.value.journal_id) == ("IN_FLIGHT", journal_id)
        assert held.value.document["journal_id"] == journal_id
        summary = c.recover()
        assert [e["id"] for e in summary["unresolved"]] == [journal_id], summary
        assert summary["resolved"] == [] and summary["still_pending"] == []

        with pytest.raises(payup.ConfigError):
            sb.client().recover()
