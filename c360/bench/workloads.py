"""What the bench measures: each latency workload as a list of calls to the function it times.

A workload turns the drawn inputs into a list of zero-argument calls; the runner times them.
When the database holds no suitable input, ``Unavailable`` says why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select

from c360.bench.dataset import Inputs
from c360.compare import compare_customers
from c360.db import session_factory, transaction
from c360.models import Customer, Order
from c360.permissions import Actor
from c360.portfolio import portfolio_overview
from c360.profile import build_customer_360
from c360.search import search_customers
from c360.timeline import timeline_page
from c360.views import CustomerSearchParams

ORDERS_PAGE = 50


class Unavailable(Exception):
    """A measurement cannot run; the message says why and lands in the JSON as ``reason``."""


@dataclass(frozen=True)
class Context:
    """Everything a workload may need: the engine, the acting admin and the drawn inputs."""

    engine: Engine
    actor: Actor
    inputs: Inputs


Call = Callable[[], Any]


def _cycle(values: Sequence[Any], count: int) -> list[Any]:
    if not values:
        raise Unavailable("the database holds no suitable input for this measurement")
    return [values[i % len(values)] for i in range(count)]


def _in_transaction(ctx: Context, function: Callable[..., Any], *args: Any) -> Any:
    """Call ``function(actor, session, *args)`` in a fresh transaction, as a page run does."""
    with transaction(ctx.engine) as session:
        return function(ctx.actor, session, *args)


# --- the features ---------------------------------------------------------------------------


def profile(ctx: Context, count: int) -> list[Call]:
    """The whole Customer 360 data of one customer."""
    return [
        (lambda cid=cid: build_customer_360(ctx.engine, ctx.actor, cid))
        for cid in _cycle(ctx.inputs.customer_ids, count)
    ]


def timeline(ctx: Context, count: int) -> list[Call]:
    """The first page (default size) of one customer's timeline: every event type, newest first."""
    return [
        (lambda cid=cid: timeline_page(ctx.engine, ctx.actor, cid))
        for cid in _cycle(ctx.inputs.customer_ids, count)
    ]


def _search(ctx: Context, texts: Sequence[str], count: int) -> list[Call]:
    return [
        (lambda text=text: _in_transaction(ctx, search_customers, CustomerSearchParams(query=text)))
        for text in _cycle(texts, count)
    ]


def search_substring(ctx: Context, count: int) -> list[Call]:
    """Search box: a four-letter piece of a real customer's name."""
    return _search(ctx, ctx.inputs.name_fragments, count)


def search_email(ctx: Context, count: int) -> list[Call]:
    """Search box: a real customer's exact e-mail address."""
    return _search(ctx, ctx.inputs.emails, count)


def search_order(ctx: Context, count: int) -> list[Call]:
    """Search box: a real order number."""
    return _search(ctx, ctx.inputs.order_numbers, count)


def portfolio(ctx: Context, count: int) -> list[Call]:
    """Every dataset behind the managers' portfolio / segment charts."""
    return [(lambda: _in_transaction(ctx, portfolio_overview)) for _ in range(count)]


def compare(ctx: Context, count: int) -> list[Call]:
    """Side-by-side comparison of three random customers."""
    ids = ctx.inputs.customer_ids
    if len(ids) < 3:
        raise Unavailable("fewer than three customers to compare")
    triples = [tuple(ids[(i + k * 7) % len(ids)] for k in range(3)) for i in range(count)]
    return [(lambda t=t: _in_transaction(ctx, compare_customers, list(t))) for t in triples]


# --- the baselines that mark the limit ------------------------------------------------------


def pk_fetch(ctx: Context, count: int) -> list[Call]:
    """One customer row by primary key, through the same session machinery."""

    def fetch(cid: int) -> Any:
        with session_factory(ctx.engine)() as session:
            return session.get(Customer, cid)

    return [(lambda cid=cid: fetch(cid)) for cid in _cycle(ctx.inputs.customer_ids, count)]


def orders_fetch(ctx: Context, count: int) -> list[Call]:
    """One customer's latest 50 orders through the (customer_id, created_at) index."""

    def fetch(cid: int) -> Any:
        with session_factory(ctx.engine)() as session:
            latest = (
                select(Order)
                .where(Order.customer_id == cid)
                .order_by(Order.created_at.desc())
                .limit(ORDERS_PAGE)
            )
            return session.scalars(latest).all()

    return [(lambda cid=cid: fetch(cid)) for cid in _cycle(ctx.inputs.customer_ids, count)]


def aggregate_pass(engine: Engine) -> int:
    """One ``GROUP BY customer_id`` pass over orders, every result row streamed to Python."""
    query = select(
        Order.customer_id,
        func.count(),
        func.sum(Order.total_cents),
        func.max(Order.created_at),
    ).group_by(Order.customer_id)
    rows = 0
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=10_000).execute(query)
        for partition in result.partitions():
            rows += len(partition)
    return rows


LATENCY: dict[str, Callable[[Context, int], list[Call]]] = {
    "profile": profile,
    "timeline": timeline,
    "search_substring": search_substring,
    "search_email": search_email,
    "search_order": search_order,
    "portfolio": portfolio,
    "compare": compare,
}
BASELINES: dict[str, Callable[[Context, int], list[Call]]] = {
    "pk_fetch_ms": pk_fetch,
    "orders_fetch_ms": orders_fetch,
}
