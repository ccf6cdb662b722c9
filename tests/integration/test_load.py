"""Load: 50 simulated users open profiles and search at once on PostgreSQL, with zero errors.

The p50/p95 of each call are printed (speed is reported, not asserted). CI runs 60 s; a
developer may shorten it: ``C360_LOAD_SECONDS=10``. ``C360_LOAD_USERS`` and
``C360_LOAD_CUSTOMERS`` change the number of users and of demo customers.
"""

from __future__ import annotations

import os
import random
import statistics
import threading
import time
import traceback
from collections import defaultdict

import pytest
from sqlalchemy import Engine, select

from c360.db import session_factory
from c360.demo import load_demo_data
from c360.models import Customer, LoyaltyTier, StaffRole, StaffUser
from c360.permissions import Actor
from c360.profile import build_customer_360
from c360.search import search_customers
from c360.views import CustomerSearchParams

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SECONDS = float(os.environ.get("C360_LOAD_SECONDS", "60"))
USERS = int(os.environ.get("C360_LOAD_USERS", "50"))
CUSTOMERS = int(os.environ.get("C360_LOAD_CUSTOMERS", "1000"))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def test_fifty_users_opening_profiles_and_searching_for_a_minute_meet_no_error(
    pg_engine: Engine,
) -> None:
    load_demo_data(pg_engine, CUSTOMERS, seed=11)
    with session_factory(pg_engine)() as s:
        ids = list(s.scalars(select(Customer.id)))
        names = list(s.scalars(select(Customer.name).limit(300)))
        staff = s.scalars(select(StaffUser).where(StaffUser.is_active.is_(True))).all()
    actors = [Actor(id=u.id, name=u.name, email=u.email, role=StaffRole(u.role)) for u in staff]
    assert ids and actors

    timings: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(USERS)
    deadline = [0.0]

    def user(n: int) -> None:
        rng = random.Random(n)
        actor = actors[n % len(actors)]
        start.wait()
        while time.monotonic() < deadline[0]:
            kind = rng.choice(["profile", "profile", "search_text", "search_filter"])
            began = time.perf_counter()
            try:
                if kind == "profile":
                    build_customer_360(pg_engine, actor, rng.choice(ids))
                else:
                    if kind == "search_text":
                        words = rng.choice(names).split()
                        params = CustomerSearchParams(query=rng.choice(words)[: rng.randint(2, 6)])
                    else:
                        params = CustomerSearchParams(
                            tiers=(rng.choice(list(LoyaltyTier)),),
                            orders_min=rng.randint(0, 3),
                            sort=rng.choice(["name", "lifetime_value"]),
                            page=rng.randint(1, 3),
                        )
                    with session_factory(pg_engine)() as session:
                        search_customers(actor, session, params)
            except Exception:  # every failure counts; the test reports them all
                with lock:
                    errors.append(f"{kind}: {traceback.format_exc(limit=3)}")
                continue
            with lock:
                timings[kind].append((time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(USERS)]
    deadline[0] = time.monotonic() + SECONDS + 5  # the barrier releases within a moment
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    total = sum(len(v) for v in timings.values())
    print(f"\nload: {USERS} users, {SECONDS:.0f} s, {total} calls, {len(errors)} errors")
    everything = [ms for values in timings.values() for ms in values]
    for kind, values in sorted(timings.items()) + [("all", everything)]:
        print(
            f"  {kind:14} n={len(values):6}  p50={statistics.median(values):7.1f} ms  "
            f"p95={_percentile(values, 0.95):7.1f} ms  max={max(values):7.1f} ms"
        )
    assert errors == [], errors[:3]
    assert total > USERS
