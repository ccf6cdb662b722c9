"""The purchase summary read from the database equals the one computed from the order list."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import Engine, insert

from c360 import models as m
from c360.db import session_factory
from c360.scoring import rfm, synthetic
from c360.scoring.bgnbd import BgNbdParams
from c360.scoring.gamma_gamma import GammaGammaParams
from tests import factories

END = date(2025, 6, 30)


def test_the_sql_summary_matches_the_pandas_summary_at_both_ends(engine: Engine) -> None:
    transactions = synthetic.simulate(
        150,
        BgNbdParams(0.9, 30.0, 0.6, 3.0),
        GammaGammaParams(5.0, 3.0, 8000.0),
        start=date(2023, 1, 1),
        end=END + timedelta(days=20),
        seed=11,
    )
    rng = np.random.default_rng(5)
    rows, kept = [], []
    with session_factory(engine)() as session:
        ids = [factories.customer(session).id for _ in range(150)]
        for i, (c, d, v) in enumerate(
            zip(transactions.customer_ids, transactions.days, transactions.values, strict=True)
        ):
            # Some days get a second order (one purchase day), some orders are cancelled.
            for k in range(2 if rng.random() < 0.2 else 1):
                status = m.OrderStatus.CANCELLED if rng.random() < 0.1 else m.OrderStatus.PAID
                value = int(v) + 7 * k
                rows.append(
                    {
                        "order_number": f"P-{i:06d}-{k}",
                        "customer_id": ids[int(c) - 1],
                        "status": status,
                        "subtotal_cents": value,
                        "total_cents": value,
                        "created_at": datetime(1970, 1, 1)
                        + timedelta(days=int(d), hours=int(rng.integers(0, 24))),
                    }
                )
                if status is not m.OrderStatus.CANCELLED:
                    kept.append((ids[int(c) - 1], int(d), float(value)))
        session.execute(insert(m.Order), rows)
        session.commit()
        ends = [END, END - timedelta(days=90)]
        from_sql = rfm.load_summaries(session, ends)
    listed = rfm.Transactions(*(np.array(column) for column in zip(*kept, strict=True)))
    for end, summary in zip(ends, from_sql, strict=True):
        expected = rfm.summarize(listed, end)
        assert len(summary) == len(expected) > 50
        for field in fields(rfm.Summary):
            np.testing.assert_allclose(
                getattr(summary, field.name), getattr(expected, field.name), err_msg=field.name
            )
