"""Vectorised generation of demo rows, one chunk of customers at a time.

Every table is produced as a pandas DataFrame whose columns are the table's column names.
Ids are assigned here (from per-table counters), so children reference parents without a
round-trip to the database. Randomness comes from ``numpy.random.default_rng([seed, part,
chunk])``, so the same seed, size and anchor always give the same rows.

Buying follows a BG/NBD-like process: each customer has a purchase rate drawn from a gamma
distribution and a chance of dropping out after every purchase drawn from a beta
distribution; candidate purchase times are thinned by a seasonal curve (November and December
peak). That yields active, lapsing, lapsed and one-time buyers without labelling anyone.
``SHOPS`` scales that process: a typical shop (about 2.7 orders per customer) or a busy one
(about 10, the shape the scale benchmark assumes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from c360.demo import catalogue as cat
from c360.loyalty_rules import TIER_ORDER, TIER_THRESHOLDS
from c360.text import search_key


@dataclass(frozen=True)
class ShopShape:
    """How much customers buy: a multiple of the base purchase rate and the dropout beta."""

    rate_scale: float
    dropout_a: float
    dropout_b: float


SHOPS = {
    "typical": ShopShape(rate_scale=1.0, dropout_a=1.2, dropout_b=4.8),
    "busy": ShopShape(rate_scale=4.5, dropout_a=1.2, dropout_b=24.0),
}

DAY = 86_400
HOUR = 3_600
YEAR_DAYS = 365.0
HISTORY_DAYS = 3 * 365
POINTS_LIFETIME_DAYS = 365
SEASON = np.array([0.8, 0.8, 0.9, 0.95, 1.0, 0.95, 0.95, 1.0, 1.0, 1.05, 1.4, 1.7])
ORDER_HOURS = np.array(
    [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 4, 5, 5.5, 6.5, 6, 5, 4.5, 4.5, 5, 6, 7.5, 8, 7, 4.5, 2]
)
WEEKDAY_HOURS = np.array(
    [
        0.8,
        0.4,
        0.2,
        0.2,
        0.2,
        0.4,
        1.2,
        2.5,
        2.5,
        2,
        2,
        2.5,
        4,
        3.5,
        2,
        2,
        2,
        2.5,
        3.5,
        5,
        6,
        5.5,
        4,
        2,
    ]
)
WEEKEND_HOURS = np.array(
    [
        1.5,
        0.8,
        0.4,
        0.2,
        0.2,
        0.2,
        0.4,
        1,
        2,
        3.5,
        4.5,
        5,
        5,
        4.5,
        4.5,
        4.5,
        4.5,
        4.5,
        4.5,
        5,
        5.5,
        5,
        4,
        2.5,
    ]
)
# Relative number of browsing sessions Monday..Sunday.
WEEKDAY_WEIGHT = np.array([0.9, 0.85, 0.85, 0.9, 0.95, 1.0, 1.0])


@dataclass
class Catalogue:
    """Rows shared by every chunk: staff, categories, products, campaigns, tags."""

    staff_ids: dict[str, int]
    account_manager_ids: np.ndarray
    actor_ids: np.ndarray  # staff who write notes, tags and adjustments
    top_category_ids: np.ndarray
    product_ids: np.ndarray
    product_names: np.ndarray
    product_prices: np.ndarray
    product_category_ids: np.ndarray
    product_top: np.ndarray  # index into top_category_ids
    top_product_start: np.ndarray
    top_product_count: np.ndarray
    sub_category_ids_by_top: list[np.ndarray]
    campaign_ids: np.ndarray
    campaign_channels: np.ndarray
    campaign_starts: np.ndarray  # epoch seconds
    tag_ids: np.ndarray
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass
class IdCounters:
    """The next free id of every table, advanced as rows are generated."""

    next_id: dict[str, int]

    def take(self, table: str, count: int) -> np.ndarray:
        """``count`` fresh consecutive ids of ``table``."""
        start = self.next_id[table]
        self.next_id[table] = start + count
        return np.arange(start, start + count, dtype=np.int64)


def to_time(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds to numpy datetimes (naive UTC)."""
    return np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")


def _pick(rng: np.random.Generator, weights: np.ndarray | list[float], size: int) -> np.ndarray:
    cumulative = np.cumsum(np.asarray(weights, dtype=float))
    return np.searchsorted(cumulative / cumulative[-1], rng.random(size), side="right")


def _pick_rows(rng: np.random.Generator, table: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One draw per element of ``rows`` from the categorical distribution table[rows]."""
    cumulative = np.cumsum(table, axis=1)
    cumulative = cumulative / cumulative[:, -1:]
    u = rng.random(len(rows))
    return (u[:, None] >= cumulative[rows]).sum(axis=1)


def _month_of(seconds: np.ndarray) -> np.ndarray:
    return to_time(seconds).astype("datetime64[M]").astype(np.int64) % 12


def _weekday_of(seconds: np.ndarray) -> np.ndarray:
    # 1970-01-01 was a Thursday (weekday 3 with Monday = 0).
    return (np.asarray(seconds, dtype=np.int64) // DAY + 3) % 7


def _hour_draw(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    return _pick(rng, weights, size)


def _segments(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For per-parent child counts: the parent index and the 0-based position of each child."""
    parent = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    position = np.arange(len(parent)) - np.repeat(starts, counts)
    return parent, position


def _ascii_word(text: str) -> str:
    return "".join(ch for ch in search_key(text) if ch.isalpha())


def build_catalogue(
    rng: np.random.Generator,
    ids: IdCounters,
    anchor: datetime,
    existing_staff: dict[str, int],
    password_hash: str,
) -> Catalogue:
    """Staff, categories, products, campaigns and tags (the shared reference rows)."""
    anchor_s = int(anchor.timestamp())
    start_s = anchor_s - HISTORY_DAYS * DAY
    tables: dict[str, pd.DataFrame] = {}

    # Staff: reuse accounts that already exist (matched by e-mail), add the others.
    staff_ids: dict[str, int] = {}
    new_staff = []
    for email, name, role in cat.STAFF:
        if email in existing_staff:
            staff_ids[email] = existing_staff[email]
            continue
        staff_ids[email] = int(ids.take("staff_users", 1)[0])
        new_staff.append(
            {
                "id": staff_ids[email],
                "email": email,
                "name": name,
                "role": role,
                "password_hash": password_hash,
                "is_active": True,
                "failed_logins": 0,
                "created_at": to_time(np.array([start_s - 30 * DAY]))[0],
            }
        )
    tables["staff_users"] = pd.DataFrame(new_staff)
    account_managers = [e for e, _, role in cat.STAFF if role == "account_manager"]
    actors = [e for e, _, role in cat.STAFF if role in ("account_manager", "manager")]

    # Category tree.
    category_rows = []
    top_ids, subs_by_top = [], []
    for top_name, (subs, _, _) in cat.CATEGORIES.items():
        top_id = int(ids.take("categories", 1)[0])
        top_ids.append(top_id)
        category_rows.append({"id": top_id, "name": top_name, "parent_id": None})
        sub_ids = []
        for sub in subs:
            sub_id = int(ids.take("categories", 1)[0])
            sub_ids.append(sub_id)
            category_rows.append({"id": sub_id, "name": sub, "parent_id": top_id})
        subs_by_top.append(np.array(sub_ids, dtype=np.int64))
    categories = pd.DataFrame(category_rows)
    categories["parent_id"] = categories["parent_id"].astype("Int64")
    tables["categories"] = categories

    # Products: ~40 per top category, prices lognormal around the category's typical price.
    product_rows = []
    top_start, top_count = [], []
    for top_index, (top_name, (subs, typical, spread)) in enumerate(cat.CATEGORIES.items()):
        count = 40
        top_start.append(len(product_rows))
        top_count.append(count)
        prices = np.exp(rng.normal(np.log(typical), spread, count))
        prices = np.clip(np.round(prices) - 0.01, 1.99, 2999.99)
        sub_pick = rng.integers(len(subs), size=count)
        adjectives = rng.integers(len(cat.PRODUCT_ADJECTIVES), size=count)
        for k in range(count):
            sub = subs[sub_pick[k]]
            product_rows.append(
                {
                    "name": f"{cat.PRODUCT_ADJECTIVES[adjectives[k]]} {sub} {k + 1:02d}",
                    "sku": f"{_ascii_word(top_name)[:3].upper()}-{top_index:02d}{k:03d}",
                    "category_id": int(subs_by_top[top_index][sub_pick[k]]),
                    "price_cents": int(round(prices[k] * 100)),
                    "top": top_index,
                }
            )
    products = pd.DataFrame(product_rows)
    products.insert(0, "id", ids.take("products", len(products)))
    tables["products"] = products[["id", "sku", "name", "category_id", "price_cents"]]

    # Campaigns: one a week over the history window; e-mail mostly, some SMS and push.
    week_starts = np.arange(start_s, anchor_s - 2 * DAY, 7 * DAY) + 10 * HOUR
    channels = np.array(["email", "sms", "push"])[_pick(rng, [0.7, 0.12, 0.18], len(week_starts))]
    themes = rng.integers(len(cat.CAMPAIGN_THEMES), size=len(week_starts))
    names, subjects = [], []
    for k, starts in enumerate(to_time(week_starts).astype(datetime)):
        seasonal = k % 4 == 0
        theme = cat.SEASONAL_THEMES[starts.month] if seasonal else cat.CAMPAIGN_THEMES[themes[k]]
        names.append(f"{theme} — {starts:%Y-%m-%d} ({channels[k]})")
        subjects.append(f"{theme}: picked for you")
    campaign_ids = ids.take("campaigns", len(week_starts))
    tables["campaigns"] = pd.DataFrame(
        {
            "id": campaign_ids,
            "name": names,
            "channel": channels,
            "subject": subjects,
            "started_at": to_time(week_starts),
        }
    )

    tag_ids = ids.take("tags", len(cat.TAGS))
    tables["tags"] = pd.DataFrame(
        {
            "id": tag_ids,
            "name": [t[0] for t in cat.TAGS],
            "color": [t[1] for t in cat.TAGS],
            "description": [t[2] for t in cat.TAGS],
            "created_by_id": staff_ids["admin@example.com"],
            "created_at": to_time(np.full(len(tag_ids), start_s - 20 * DAY)),
        }
    )

    return Catalogue(
        staff_ids=staff_ids,
        account_manager_ids=np.array([staff_ids[e] for e in account_managers], dtype=np.int64),
        actor_ids=np.array([staff_ids[e] for e in actors], dtype=np.int64),
        top_category_ids=np.array(top_ids, dtype=np.int64),
        product_ids=products["id"].to_numpy(),
        product_names=products["name"].to_numpy(dtype=object),
        product_prices=products["price_cents"].to_numpy(dtype=np.int64),
        product_category_ids=products["category_id"].to_numpy(dtype=np.int64),
        product_top=products["top"].to_numpy(dtype=np.int64),
        top_product_start=np.array(top_start, dtype=np.int64),
        top_product_count=np.array(top_count, dtype=np.int64),
        sub_category_ids_by_top=subs_by_top,
        campaign_ids=campaign_ids,
        campaign_channels=channels,
        campaign_starts=week_starts.astype(np.int64),
        tag_ids=tag_ids,
        tables=tables,
    )


def generate_chunk(
    seed: int,
    chunk: int,
    size: int,
    anchor: datetime,
    catalogue: Catalogue,
    ids: IdCounters,
    shop: ShopShape = SHOPS["typical"],
) -> dict[str, pd.DataFrame]:
    """Every per-customer table for ``size`` new customers (chunk number ``chunk``)."""
    return _ChunkBuilder(seed, chunk, size, anchor, catalogue, ids, shop).build()


class _ChunkBuilder:
    def __init__(
        self,
        seed: int,
        chunk: int,
        size: int,
        anchor: datetime,
        catalogue: Catalogue,
        ids,  # type: ignore[no-untyped-def]
        shop: ShopShape,
    ) -> None:
        self.seed, self.chunk, self.n = seed, chunk, size
        self.shop = shop
        self.anchor_s = int(anchor.timestamp())
        self.cat = catalogue
        self.ids = ids
        self.tables: dict[str, pd.DataFrame] = {}

    def rng(self, part: int) -> np.random.Generator:
        # One stream per (seed, part, chunk): adding a table later does not shift the others.
        return np.random.default_rng([self.seed, part, self.chunk])

    def build(self) -> dict[str, pd.DataFrame]:
        self.customers()
        self.addresses()
        self.orders()
        self.order_items_and_totals()
        self.payments()
        self.refunds()
        self.loyalty()
        self.referrals()
        self.marketing()
        self.tickets()
        self.behaviour()
        self.notes_and_tags()
        return self.tables

    # -- customers -------------------------------------------------------------------------
    def customers(self) -> None:
        rng, n = self.rng(1), self.n
        self.cid = self.ids.take("customers", n)
        first = rng.integers(len(cat.FIRST_NAMES), size=n)
        last = rng.integers(len(cat.LAST_NAMES), size=n)
        names = [
            f"{cat.FIRST_NAMES[f]} {cat.LAST_NAMES[g]}" for f, g in zip(first, last, strict=True)
        ]
        first_ascii = [_ascii_word(x) for x in cat.FIRST_NAMES]
        last_ascii = [_ascii_word(x) for x in cat.LAST_NAMES]
        pattern = rng.integers(4, size=n)
        domain = rng.integers(len(cat.EMAIL_DOMAINS), size=n)
        emails = []
        for k in range(n):
            f, g = first_ascii[first[k]], last_ascii[last[k]]
            local = (f"{f}.{g}", f"{f}{g}", f"{f[0]}{g}", f"{f}_{g}")[pattern[k]]
            emails.append(f"{local}{self.cid[k]}@{cat.EMAIL_DOMAINS[domain[k]]}")
        phones = self._phones(rng)
        has_email = rng.random(n) > 0.01
        days_ago = HISTORY_DAYS * rng.random(n) ** 1.3
        self.registered = (self.anchor_s - days_ago * DAY).astype(np.int64)
        self.registered -= rng.integers(HOUR, 12 * HOUR, size=n)
        status = np.array(["active", "inactive", "suspended", "closed"])[
            _pick(rng, [0.95, 0.03, 0.01, 0.01], n)
        ]
        managed = rng.random(n) < 0.8
        manager = self.cat.account_manager_ids[
            _pick(rng, [3] + [1] * (len(self.cat.account_manager_ids) - 1), n)
        ]
        frame = pd.DataFrame(
            {
                "id": self.cid,
                "external_id": [f"DEMO-{c:08d}" for c in self.cid],
                "name": names,
                "search_name": [search_key(x) for x in names],
                "email": np.where(has_email, np.array(emails, dtype=object), None),
                "phone": phones,
                "phone_digits": [
                    None if p is None else "".join(filter(str.isdigit, p)) for p in phones
                ],
                "registered_at": to_time(self.registered),
                "status": status,
                "account_manager_id": pd.array(np.where(managed, manager, 0), dtype="Int64"),
                "updated_at": to_time(self.registered + rng.integers(DAY, 30 * DAY, size=n)),
            }
        )
        frame.loc[~managed, "account_manager_id"] = pd.NA
        frame["updated_at"] = np.minimum(
            frame["updated_at"], to_time(np.array([self.anchor_s - 1]))[0]
        )
        self.tables["customers"] = frame
        # Per-customer traits used by every later table.
        self.first_index = first
        self.favourite_top = _pick(rng, np.ones(len(self.cat.top_category_ids)), n)
        self.device_pref = _pick(rng, [0.55, 0.35, 0.10], n)

    def _phones(self, rng: np.random.Generator) -> list[str | None]:
        n = self.n
        style = _pick(rng, [0.3, 0.2, 0.15, 0.15, 0.1, 0.1], n)
        area = rng.integers(200, 989, size=n)
        mid = rng.integers(200, 999, size=n)
        tail = rng.integers(0, 10_000, size=n)
        phones: list[str | None] = []
        for k in range(n):
            a, b, c = area[k], mid[k], tail[k]
            phones.append(
                (
                    f"+1 ({a}) {b}-{c:04d}",
                    f"{a}-{b}-{c:04d}",
                    f"({a}) {b} {c:04d}",
                    f"+44 20 {b}{c // 1000} {c:04d}",
                    f"+49{a}{b}{c:04d}",
                    None,
                )[style[k]]
            )
        return phones

    def addresses(self) -> None:
        rng, n = self.rng(2), self.n
        count = 1 + (rng.random(n) < 0.3).astype(int) + (rng.random(n) < 0.08).astype(int)
        owner, position = _segments(count)
        m = len(owner)
        place = rng.integers(len(cat.PLACES), size=n)[owner]
        moved = position > 0
        place = np.where(
            moved & (rng.random(m) < 0.5), rng.integers(len(cat.PLACES), size=m), place
        )
        street = rng.integers(len(cat.STREETS), size=m)
        number = rng.integers(1, 250, size=m)
        digits = rng.integers(0, 10, size=(m, 5))
        postal = []
        for k in range(m):
            pattern = cat.PLACES[place[k]][2]
            it = iter(digits[k])
            postal.append("".join(str(next(it)) if ch == "9" else ch for ch in pattern))
        labels = np.array(["home", "work", "other"])[np.minimum(position, 2)]
        self.tables["addresses"] = pd.DataFrame(
            {
                "id": self.ids.take("addresses", m),
                "customer_id": self.cid[owner],
                "label": labels,
                "line1": [f"{number[k]} {cat.STREETS[street[k]]}" for k in range(m)],
                "line2": np.where(
                    rng.random(m) < 0.15,
                    "Apt " + pd.Series(rng.integers(1, 40, m)).astype(str),
                    None,
                ),
                "city": [cat.PLACES[p][1] for p in place],
                "postal_code": postal,
                "country": [cat.PLACES[p][0] for p in place],
                "is_default": position == 0,
            }
        )

    # -- orders ----------------------------------------------------------------------------
    def orders(self) -> None:
        rng, n = self.rng(3), self.n
        # Purchases per day while alive, and the chance of dropping out after each purchase.
        rate = self.shop.rate_scale * rng.gamma(0.85, 3.6 / 0.85, n) / YEAR_DAYS
        dropout = rng.beta(self.shop.dropout_a, self.shop.dropout_b, n)
        self.engagement = rng.beta(3, 5, n)  # base e-mail open propensity
        buyer = rng.random(n) < 0.88
        t = self.registered + (rng.exponential(12.0, n) * DAY).astype(np.int64)
        alive = buyer & (t < self.anchor_s)
        # Time the customer stops buying for good (inf: still alive at the anchor).
        self.death = np.full(n, np.inf)
        self.death[~buyer] = self.registered[~buyer] + 45 * DAY
        counts = np.zeros(n, dtype=np.int64)
        order_customer, order_time = [], []

        def purchase(mask: np.ndarray) -> None:
            who = np.flatnonzero(mask)
            order_customer.append(who)
            order_time.append(t[who].copy())
            counts[who] += 1
            dropped = who[rng.random(len(who)) < dropout[who]]
            self.death[dropped] = t[dropped]
            alive[dropped] = False

        purchase(alive)
        season_max = SEASON.max()
        while alive.any():
            who = np.flatnonzero(alive)
            gaps = rng.exponential(1.0, len(who)) / (rate[who] * season_max)
            t[who] += (np.minimum(gaps, 4 * HISTORY_DAYS) * DAY).astype(np.int64)
            ended = who[t[who] >= self.anchor_s]
            alive[ended] = False
            who = who[t[who] < self.anchor_s]
            accept = rng.random(len(who)) < SEASON[_month_of(t[who])] / season_max
            mask = np.zeros(n, dtype=bool)
            mask[who[accept]] = True
            purchase(mask)
            alive &= counts < 80
        customer_index = np.concatenate(order_customer)
        moments = np.concatenate(order_time)
        day_start = moments - moments % DAY
        hour = _hour_draw(rng, ORDER_HOURS, len(moments))
        created = day_start + hour * HOUR + rng.integers(0, HOUR, len(moments))
        created = np.clip(created, self.registered[customer_index] + 600, self.anchor_s - 60)
        order = np.lexsort((created, customer_index))
        self.o_cust = customer_index[order]
        self.o_created = created[order]
        m = len(order)
        self.o_id = self.ids.take("orders", m)
        age_days = (self.anchor_s - self.o_created) / DAY
        bucket = np.digitize(age_days, [1, 4, 10])
        statuses = np.array(
            ["pending", "paid", "shipped", "delivered", "completed", "cancelled", "refunded"]
        )
        table = np.array(
            [
                [0.5, 0.45, 0, 0, 0, 0.05, 0],
                [0, 0.3, 0.65, 0, 0, 0.05, 0],
                [0, 0, 0.45, 0.5, 0, 0.03, 0.02],
                [0, 0, 0, 0.30, 0.58, 0.06, 0.06],
            ]
        )
        self.o_status = statuses[_pick_rows(rng, table, bucket)]
        delay_hours = {
            "pending": (0.1, 2),
            "paid": (0.1, 6),
            "shipped": (20, 48),
            "delivered": (72, 170),
            "completed": (330, 480),
            "cancelled": (1, 30),
            "refunded": (240, 720),
        }
        low = np.array([delay_hours[s][0] for s in self.o_status])
        high = np.array([delay_hours[s][1] for s in self.o_status])
        updated = self.o_created + ((low + (high - low) * rng.random(m)) * HOUR).astype(np.int64)
        self.o_updated = np.minimum(updated, self.anchor_s - 1)
        self.o_revenue = np.isin(self.o_status, ("delivered", "completed"))

    def order_items_and_totals(self) -> None:
        rng = self.rng(4)
        m = len(self.o_id)
        basket = np.exp(rng.normal(-0.4, 0.7, self.n))
        k = 1 + np.minimum(rng.poisson(basket[self.o_cust]), 7)
        parent, position = _segments(k)
        items = len(parent)
        customer = self.o_cust[parent]
        favourite = rng.random(items) < 0.7
        top = np.where(
            favourite,
            self.favourite_top[customer],
            rng.integers(len(self.cat.top_category_ids), size=items),
        )
        product = self.cat.top_product_start[top] + (
            rng.random(items) * self.cat.top_product_count[top]
        ).astype(np.int64)
        quantity = 1 + _pick(rng, [0.85, 0.11, 0.04], items)
        unit = self.cat.product_prices[product]
        line_total = unit * quantity
        self.tables["order_items"] = pd.DataFrame(
            {
                "id": self.ids.take("order_items", items),
                "order_id": self.o_id[parent],
                "customer_id": self.cid[customer],
                "product_id": self.cat.product_ids[product],
                "category_id": self.cat.product_category_ids[product],
                "line_no": position + 1,
                "product_name": self.cat.product_names[product],
                "quantity": quantity,
                "unit_price_cents": unit,
                "total_cents": line_total,
            }
        )
        self.item_count = k
        self.item_order = parent
        self.item_total = line_total
        self.item_product_top = top
        subtotal = np.bincount(parent, weights=line_total, minlength=m).astype(np.int64)
        discount = np.where(rng.random(m) < 0.12, subtotal // 10, 0)
        shipping = np.where(subtotal - discount >= 5000, 0, 499)
        tax = np.round((subtotal - discount) * 0.08).astype(np.int64)
        self.o_total = subtotal - discount + shipping + tax
        self.tables["orders"] = pd.DataFrame(
            {
                "id": self.o_id,
                "order_number": [f"ORD-{i:08d}" for i in self.o_id],
                "customer_id": self.cid[self.o_cust],
                "status": self.o_status,
                "subtotal_cents": subtotal,
                "discount_cents": discount,
                "shipping_cents": shipping,
                "tax_cents": tax,
                "total_cents": self.o_total,
                "currency": "USD",
                "created_at": to_time(self.o_created),
                "updated_at": to_time(self.o_updated),
            }
        )
        self.order_numbers = self.tables["orders"]["order_number"].to_numpy(dtype=object)

    # -- payments and refunds --------------------------------------------------------------
    def payments(self) -> None:
        rng, n = self.rng(5), self.n
        count = _pick(rng, [0.08, 0.6, 0.25, 0.07], n)
        owner, position = _segments(count)
        p = len(owner)
        kinds = np.array(["card", "paypal", "wallet", "bank_transfer"])[
            _pick(rng, [0.7, 0.15, 0.1, 0.05], p)
        ]
        brands = np.array(["Visa", "Mastercard", "Amex", "Discover"])[
            _pick(rng, [0.5, 0.35, 0.1, 0.05], p)
        ]
        brand = np.where(
            kinds == "card",
            brands,
            np.where(kinds == "paypal", "PayPal", np.where(kinds == "wallet", "Apple Pay", "Bank")),
        )
        last4 = np.array([f"{x:04d}" for x in rng.integers(0, 10_000, p)], dtype=object)
        anchor_year = (
            int(to_time(np.array([self.anchor_s]))[0].astype("datetime64[Y]").astype(int)) + 1970
        )
        has_expiry = np.isin(kinds, ("card", "wallet"))
        exp_year = pd.array(
            np.where(has_expiry, anchor_year + rng.integers(-1, 6, p), 0), dtype="Int64"
        )
        exp_month = pd.array(np.where(has_expiry, rng.integers(1, 13, p), 0), dtype="Int64")
        exp_year[~has_expiry] = pd.NA
        exp_month[~has_expiry] = pd.NA
        created = (
            self.registered[owner]
            + (rng.exponential(20, p) * DAY).astype(np.int64)
            + position * 60 * DAY
        )
        created = np.minimum(created, self.anchor_s - 60)
        pm_ids = self.ids.take("payment_methods", p)
        self.tables["payment_methods"] = pd.DataFrame(
            {
                "id": pm_ids,
                "customer_id": self.cid[owner],
                "type": kinds,
                "brand": brand,
                "last4": np.where(kinds == "paypal", None, last4),
                "exp_month": exp_month,
                "exp_year": exp_year,
                "is_default": position == 0,
                "created_at": to_time(created),
            }
        )
        labels = np.where(
            kinds == "paypal",
            "PayPal",
            pd.Series(brand).astype(str) + " •••• " + pd.Series(last4).astype(str),
        )
        default_pm = np.full(n, -1, dtype=np.int64)
        default_label = np.full(n, "Bank transfer", dtype=object)
        first = position == 0
        default_pm[owner[first]] = pm_ids[first]
        default_label[owner[first]] = labels[first]

        # Transactions: one success per paid order, an occasional failed attempt first,
        # a failed attempt on some cancelled orders, and a refund entry for refunded orders.
        status, m = self.o_status, len(self.o_id)
        charged = np.isin(status, ("paid", "shipped", "delivered", "completed", "refunded"))
        failed_first = (charged & (rng.random(m) < 0.04)) | (
            (status == "cancelled") & (rng.random(m) < 0.4)
        )
        refunded = status == "refunded"
        parts = []
        for mask, state, offset in (
            (failed_first, "failed", 0),
            (charged, "success", 90),
            (refunded, "refunded", None),
        ):
            idx = np.flatnonzero(mask)
            at = self.o_updated[idx] if offset is None else self.o_created[idx] + offset
            parts.append((idx, np.full(len(idx), state, dtype=object), at))
        idx = np.concatenate([x[0] for x in parts])
        states = np.concatenate([x[1] for x in parts])
        at = np.concatenate([x[2] for x in parts])
        order = np.lexsort((at, idx))
        idx, states, at = idx[order], states[order], at[order]
        cust = self.o_cust[idx]
        pm = pd.array(default_pm[cust], dtype="Int64")
        pm[default_pm[cust] < 0] = pd.NA
        self.tables["payment_transactions"] = pd.DataFrame(
            {
                "id": self.ids.take("payment_transactions", len(idx)),
                "customer_id": self.cid[cust],
                "order_id": self.o_id[idx],
                "payment_method_id": pm,
                "amount_cents": self.o_total[idx],
                "status": states,
                "method": default_label[cust],
                "created_at": to_time(at),
            }
        )

    def refunds(self) -> None:
        rng = self.rng(6)
        refunded = np.flatnonzero(self.o_status == "refunded")
        returnable = np.flatnonzero(self.o_revenue & (rng.random(len(self.o_id)) < 0.03))
        kinds = np.concatenate(
            [
                np.where(rng.random(len(refunded)) < 0.6, "refund", "return"),
                np.full(len(returnable), "return"),
            ]
        )
        statuses = np.concatenate(
            [
                np.full(len(refunded), "completed"),
                np.array(["requested", "approved", "rejected", "completed"])[
                    _pick(rng, [0.2, 0.2, 0.15, 0.45], len(returnable))
                ],
            ]
        )
        idx = np.concatenate([refunded, returnable])
        partial = self.o_total[returnable] // self.item_count[returnable]
        amount = np.concatenate([self.o_total[refunded], partial])
        at = np.concatenate(
            [
                self.o_updated[refunded] - HOUR,
                self.o_created[returnable] + rng.integers(5 * DAY, 20 * DAY, len(returnable)),
            ]
        )
        at = np.minimum(at, self.anchor_s - 60)
        order = np.lexsort((at, idx))
        idx, kinds, statuses, amount, at = (
            idx[order],
            kinds[order],
            statuses[order],
            amount[order],
            at[order],
        )
        reasons = np.array(cat.REFUND_REASONS, dtype=object)[
            rng.integers(len(cat.REFUND_REASONS), size=len(idx))
        ]
        self.tables["refunds"] = pd.DataFrame(
            {
                "id": self.ids.take("refunds", len(idx)),
                "customer_id": self.cid[self.o_cust[idx]],
                "order_id": self.o_id[idx],
                "kind": kinds,
                "status": statuses,
                "amount_cents": amount,
                "reason": reasons,
                "created_at": to_time(at),
            }
        )
        self.refund_order_index = idx
        self.refund_kind = kinds

    # -- loyalty ---------------------------------------------------------------------------
    def loyalty(self) -> None:
        rng, n = self.rng(7), self.n
        anchor = self.anchor_s
        # Lots of earned points: a welcome bonus, then one per kept (revenue) order.
        revenue = np.flatnonzero(self.o_revenue)
        lot_cust = np.concatenate([np.arange(n), self.o_cust[revenue]])
        lot_points = np.concatenate([np.full(n, 100), self.o_total[revenue] // 100])
        lot_at = np.concatenate([self.registered + 60, self.o_updated[revenue]])
        lot_order = np.concatenate([np.full(n, -1), self.o_id[revenue]])
        lot_reason = np.concatenate(
            [
                np.full(n, "Welcome bonus", dtype=object),
                "Order " + pd.Series(self.order_numbers[revenue], dtype=object),
            ]
        )
        lot_expires = lot_at + POINTS_LIFETIME_DAYS * DAY
        keep = lot_points > 0
        lot_cust, lot_points, lot_at, lot_order, lot_reason, lot_expires = (
            x[keep] for x in (lot_cust, lot_points, lot_at, lot_order, lot_reason, lot_expires)
        )
        lots = len(lot_cust)
        # Each lot is redeemed (in hundreds) or not; what is left expires after a year.
        propensity = rng.beta(1.0, 2.2, n)
        room = np.minimum(lot_expires, anchor) - lot_at
        redeem = (lot_points >= 200) & (rng.random(lots) < propensity[lot_cust]) & (room > 3 * DAY)
        redeemed = np.where(redeem, (lot_points // 100) * 100, 0)
        redeem_at = lot_at + (room * (0.1 + 0.8 * rng.random(lots))).astype(np.int64)
        left = lot_points - redeemed
        expire = (lot_expires < anchor) & (left > 0)
        # Goodwill adjustments by staff.
        adjusted = np.flatnonzero(rng.random(n) < 0.04)
        adjust_points = np.array([100, 250, 500])[rng.integers(3, size=len(adjusted))]
        adjust_at = self.registered[adjusted] + (
            (anchor - self.registered[adjusted]) * rng.random(len(adjusted))
        ).astype(np.int64)
        adjust_staff = self.cat.actor_ids[rng.integers(len(self.cat.actor_ids), size=len(adjusted))]
        self.adjustments = (adjusted, adjust_points, adjust_at, adjust_staff)

        def rows(mask_idx, kind, points, at, reason, order_id, expires, staff):
            return pd.DataFrame(
                {
                    "cust": mask_idx,
                    "kind": kind,
                    "points": points,
                    "at": at,
                    "reason": reason,
                    "order_id": order_id,
                    "expires": expires,
                    "staff": staff,
                }
            )

        r = np.flatnonzero(redeem)
        e = np.flatnonzero(expire)
        ledger = pd.concat(
            [
                rows(
                    lot_cust, "earned", lot_points, lot_at, lot_reason, lot_order, lot_expires, -1
                ),
                rows(
                    lot_cust[r],
                    "redeemed",
                    -redeemed[r],
                    redeem_at[r],
                    "Redeemed at checkout",
                    -1,
                    -1,
                    -1,
                ),
                rows(
                    lot_cust[e], "expired", -left[e], lot_expires[e], "Points expired", -1, -1, -1
                ),
                rows(
                    adjusted,
                    "adjusted",
                    adjust_points,
                    adjust_at,
                    "Goodwill gesture",
                    -1,
                    -1,
                    adjust_staff,
                ),
            ],
            ignore_index=True,
        )
        ledger = ledger.sort_values(["cust", "at", "kind"], kind="stable").reset_index(drop=True)

        def nullable(values: pd.Series) -> pd.arrays.IntegerArray:
            arr = pd.array(values.to_numpy(), dtype="Int64")
            arr[values.to_numpy() < 0] = pd.NA
            return arr

        expires = ledger["expires"].to_numpy()
        self.tables["loyalty_transactions"] = pd.DataFrame(
            {
                "id": self.ids.take("loyalty_transactions", len(ledger)),
                "customer_id": self.cid[ledger["cust"].to_numpy()],
                "kind": ledger["kind"].to_numpy(),
                "points": ledger["points"].to_numpy(dtype=np.int64),
                "reason": ledger["reason"].to_numpy(),
                "order_id": nullable(ledger["order_id"]),
                "staff_user_id": nullable(ledger["staff"]),
                "expires_at": pd.Series(to_time(np.maximum(expires, 0))).where(expires >= 0),
                "created_at": to_time(ledger["at"].to_numpy()),
            }
        )
        cust = ledger["cust"].to_numpy()
        points = ledger["points"].to_numpy(dtype=np.int64)
        balance = np.bincount(cust, weights=points, minlength=n).astype(np.int64)
        gained = np.bincount(cust, weights=np.where(points > 0, points, 0), minlength=n).astype(
            np.int64
        )
        last_at = np.maximum.reduceat(
            ledger["at"].to_numpy(), np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]])
        )
        # Points are earned per kept dollar, so the tier (by lifetime points) follows spend.
        tier = np.full(n, TIER_ORDER[0].value, dtype=object)
        for name in TIER_ORDER[1:]:
            tier[gained >= TIER_THRESHOLDS[name]] = name.value
        self.tier = tier
        codes = [
            f"{_ascii_word(cat.FIRST_NAMES[f])[:4].upper():X<4}{np.base_repr(int(c), 36)}"
            for f, c in zip(self.first_index, self.cid, strict=True)
        ]
        self.tables["loyalty_accounts"] = pd.DataFrame(
            {
                "id": self.ids.take("loyalty_accounts", n),
                "customer_id": self.cid,
                "tier": tier,
                "points_balance": balance,
                "lifetime_points": gained,
                "referral_code": codes,
                "joined_at": to_time(self.registered),
                "updated_at": to_time(last_at),
            }
        )

    def referrals(self) -> None:
        rng, n = self.rng(8), self.n
        by_registration = np.argsort(self.registered, kind="stable")
        referred_rank = np.flatnonzero(rng.random(n) < 0.06)
        referred_rank = referred_rank[referred_rank > 0]
        referrer_rank = (rng.random(len(referred_rank)) * referred_rank).astype(np.int64)
        referred = by_registration[referred_rank]
        referrer = by_registration[referrer_rank]
        emails = self.tables["customers"]["email"].to_numpy(dtype=object)
        pending_referrer = np.flatnonzero(rng.random(n) < 0.03)
        pending_at = self.registered[pending_referrer] + (
            (self.anchor_s - self.registered[pending_referrer]) * rng.random(len(pending_referrer))
        ).astype(np.int64)
        friend = [
            f"friend.{int(self.cid[i])}.{k}@example.net" for k, i in enumerate(pending_referrer)
        ]
        frame = pd.DataFrame(
            {
                "referrer_id": np.concatenate([self.cid[referrer], self.cid[pending_referrer]]),
                "referred_customer_id": pd.array(
                    np.concatenate([self.cid[referred], np.zeros(len(pending_referrer), np.int64)]),
                    dtype="Int64",
                ),
                "referred_email": np.concatenate(
                    [
                        np.where(
                            pd.isna(emails[referred]), "unknown@example.net", emails[referred]
                        ),
                        np.array(friend, dtype=object),
                    ]
                ),
                "status": ["completed"] * len(referred) + ["pending"] * len(pending_referrer),
                "created_at": to_time(
                    np.concatenate([self.registered[referred] - DAY, pending_at])
                ),
            }
        )
        frame.loc[len(referred) :, "referred_customer_id"] = pd.NA
        frame = frame.sort_values(["referrer_id", "created_at"], kind="stable").reset_index(
            drop=True
        )
        frame.insert(0, "id", self.ids.take("referrals", len(frame)))
        self.tables["referrals"] = frame

    # -- marketing -------------------------------------------------------------------------
    def marketing(self) -> None:
        rng, n = self.rng(9), self.n
        opted = {
            "email": rng.random(n) < 0.72,
            "sms": rng.random(n) < 0.3,
            "push": rng.random(n) < 0.42,
        }
        frames = []
        for channel, flags in opted.items():
            changed = self.registered + (rng.exponential(30, n) * DAY).astype(np.int64)
            frames.append(
                pd.DataFrame(
                    {
                        "cust": np.arange(n),
                        "channel": channel,
                        "opted_in": flags,
                        "changed_at": to_time(np.minimum(changed, self.anchor_s - 60)),
                    }
                )
            )
        consents = pd.concat(frames).sort_values(["cust", "channel"], kind="stable")
        self.tables["marketing_consents"] = pd.DataFrame(
            {
                "id": self.ids.take("marketing_consents", len(consents)),
                "customer_id": self.cid[consents["cust"].to_numpy()],
                "channel": consents["channel"].to_numpy(),
                "opted_in": consents["opted_in"].to_numpy(),
                "changed_at": consents["changed_at"].to_numpy(),
            }
        )
        # Each weekly campaign reaches a sample of the opted-in customers registered by then.
        who_parts, campaign_parts = [], []
        for k, (start, channel) in enumerate(
            zip(self.cat.campaign_starts, self.cat.campaign_channels, strict=True)
        ):
            eligible = opted[channel] & (self.registered < start)
            chosen = np.flatnonzero(eligible & (rng.random(n) < 0.13))
            who_parts.append(chosen)
            campaign_parts.append(np.full(len(chosen), k))
        who = np.concatenate(who_parts)
        campaign = np.concatenate(campaign_parts)
        m = len(who)
        sent = self.cat.campaign_starts[campaign] + rng.integers(0, 36 * HOUR, m)
        sent = np.minimum(sent, self.anchor_s - 60)
        channel = self.cat.campaign_channels[campaign]
        # Engagement fades once a customer has stopped buying.
        since_death = np.maximum(sent - self.death[who], 0) / DAY
        fade = 0.12 + 0.88 * np.exp(-since_death / 90.0)
        p_open = np.where(channel == "sms", 0.0, self.engagement[who] * fade)
        opened = rng.random(m) < p_open
        clicked = (opened | (channel == "sms")) & (
            rng.random(m) < np.where(channel == "sms", 0.05 * fade, 0.28)
        )
        opened_at = sent + (rng.exponential(6, m) * HOUR).astype(np.int64) + 60
        clicked_at = (
            np.where(opened, opened_at, sent) + (rng.exponential(10, m) * 60).astype(np.int64) + 5
        )
        opened_at = np.minimum(opened_at, self.anchor_s - 30)
        clicked_at = np.minimum(clicked_at, self.anchor_s - 1)
        order = np.lexsort((sent, who))
        self.tables["campaign_messages"] = pd.DataFrame(
            {
                "id": self.ids.take("campaign_messages", m),
                "campaign_id": self.cat.campaign_ids[campaign[order]],
                "customer_id": self.cid[who[order]],
                "channel": channel[order],
                "sent_at": to_time(sent[order]),
                "opened_at": pd.Series(to_time(opened_at[order])).where(opened[order]),
                "clicked_at": pd.Series(to_time(clicked_at[order])).where(clicked[order]),
            }
        )

    # -- support ---------------------------------------------------------------------------
    def tickets(self) -> None:
        rng, n = self.rng(10), self.n
        m = len(self.o_id)
        refund_orders = self.refund_order_index
        with_refund_ticket = refund_orders[rng.random(len(refund_orders)) < 0.6]
        refund_category = np.where(
            self.o_status[with_refund_ticket] == "refunded", "refund", "return"
        )
        cancelled = np.flatnonzero((self.o_status == "cancelled") & (rng.random(m) < 0.15))
        late = np.flatnonzero(self.o_revenue & (rng.random(m) < 0.025))
        general_count = rng.poisson(0.3, n)
        general_cust, _ = _segments(general_count)
        general_at = self.registered[general_cust] + (
            (self.anchor_s - self.registered[general_cust]) * rng.random(len(general_cust))
        ).astype(np.int64)
        general_category = np.array(["account", "product", "billing"])[
            _pick(rng, [0.35, 0.45, 0.2], len(general_cust))
        ]
        order_idx = np.concatenate([with_refund_ticket, cancelled, late])
        cust = np.concatenate([self.o_cust[order_idx], general_cust])
        category = np.concatenate(
            [
                refund_category,
                np.full(len(cancelled), "billing"),
                np.full(len(late), "delivery"),
                general_category,
            ]
        )
        order_ref = np.concatenate([order_idx, np.full(len(general_cust), -1)])
        created = np.concatenate(
            [
                self.o_created[order_idx] + rng.integers(2 * DAY, 15 * DAY, len(order_idx)),
                general_at,
            ]
        )
        created = np.minimum(created, self.anchor_s - 600)
        t = len(cust)
        age_days = (self.anchor_s - created) / DAY
        bucket = np.digitize(age_days, [2, 10])
        status = np.array(["open", "in_progress", "resolved", "closed"])[
            _pick_rows(
                rng,
                np.array([[0.6, 0.4, 0, 0], [0.2, 0.3, 0.4, 0.1], [0.03, 0.02, 0.35, 0.6]]),
                bucket,
            )
        ]
        urgent_bias = np.isin(category, ("refund", "billing")).astype(int)
        priority = np.array(["low", "medium", "high", "urgent"])[
            _pick_rows(
                rng, np.array([[0.35, 0.45, 0.16, 0.04], [0.15, 0.45, 0.3, 0.1]]), urgent_bias
            )
        ]
        hours_to_resolve = np.exp(rng.normal(np.log(18), 1.0, t))
        hours_to_resolve *= np.select([priority == "urgent", priority == "high"], [0.3, 0.6], 1.0)
        done = np.isin(status, ("resolved", "closed"))
        resolved = np.minimum(
            created + (hours_to_resolve * HOUR).astype(np.int64) + 300, self.anchor_s - 1
        )
        rated = done & (rng.random(t) < 0.6)
        rating = np.clip(
            np.round(
                5.2 - 0.55 * np.log2(np.maximum(hours_to_resolve, 1) / 6) + rng.normal(0, 0.7, t)
            ),
            1,
            5,
        )
        subjects, descriptions = [], []
        pick = rng.integers(3, size=t)
        for k in range(t):
            options, template = cat.TICKET_TOPICS[category[k]]
            subjects.append(options[pick[k]])
            number = self.order_numbers[order_ref[k]] if order_ref[k] >= 0 else "—"
            descriptions.append(template.format(order=number))
        by_staff = rng.random(t) < 0.3
        staff = pd.array(
            self.cat.actor_ids[rng.integers(len(self.cat.actor_ids), size=t)], dtype="Int64"
        )
        staff[~by_staff] = pd.NA
        order_id = pd.array(
            np.where(order_ref >= 0, self.o_id[np.maximum(order_ref, 0)], 0), dtype="Int64"
        )
        order_id[order_ref < 0] = pd.NA
        rating_col = pd.array(rating.astype(np.int64), dtype="Int64")
        rating_col[~rated] = pd.NA
        updated = np.where(
            done, resolved, np.minimum(created + rng.integers(60, 2 * DAY, t), self.anchor_s - 1)
        )
        frame = pd.DataFrame(
            {
                "cust": cust,
                "customer_id": self.cid[cust],
                "order_id": order_id,
                "subject": subjects,
                "description": descriptions,
                "category": category,
                "status": status,
                "priority": priority,
                "escalated": (priority == "urgent") & (rng.random(t) < 0.5)
                | (priority == "high") & (rng.random(t) < 0.1),
                "satisfaction_rating": rating_col,
                "created_by_id": staff,
                "created_at": to_time(created),
                "updated_at": to_time(updated),
                "resolved_at": pd.Series(to_time(resolved)).where(done),
            }
        )
        frame = frame.sort_values(["cust", "created_at"], kind="stable").drop(columns="cust")
        frame.insert(0, "id", self.ids.take("support_tickets", len(frame)))
        self.tables["support_tickets"] = frame.reset_index(drop=True)

    # -- behaviour -------------------------------------------------------------------------
    def behaviour(self) -> None:
        rng, n = self.rng(11), self.n
        # Sessions while engaged: a browsing rate that drops sharply after the customer lapses.
        end_active = np.minimum(self.death, self.anchor_s)
        active_days = np.maximum(end_active - self.registered, DAY) / DAY
        lapsed_days = np.maximum(self.anchor_s - end_active, 0) / DAY
        intensity = np.exp(rng.normal(np.log(0.018), 0.7, n))  # sessions per day while active
        active_count = rng.poisson(intensity * active_days)
        lapsed_count = rng.poisson(intensity * lapsed_days * 0.08)
        order_sessions = np.flatnonzero(rng.random(len(self.o_id)) < 0.6)
        cust = np.concatenate(
            [
                np.repeat(np.arange(n), active_count),
                np.repeat(np.arange(n), lapsed_count),
                self.o_cust[order_sessions],
            ]
        )
        start = np.concatenate(
            [
                self.registered[np.repeat(np.arange(n), active_count)]
                + (
                    np.repeat(active_days, active_count) * DAY * rng.random(active_count.sum())
                ).astype(np.int64),
                np.repeat(end_active, lapsed_count)
                + (
                    np.repeat(lapsed_days, lapsed_count) * DAY * rng.random(lapsed_count.sum())
                ).astype(np.int64),
                np.zeros(len(order_sessions), dtype=np.int64),
            ]
        )
        browsing = len(cust) - len(order_sessions)
        # Weekday pattern: drop some browsing sessions on quieter days.
        keep = np.ones(len(cust), dtype=bool)
        keep[:browsing] = rng.random(browsing) < WEEKDAY_WEIGHT[_weekday_of(start[:browsing])]
        day = start - start % DAY
        weekend = _weekday_of(day) >= 5
        hour = np.where(
            weekend,
            _hour_draw(rng, WEEKEND_HOURS, len(day)),
            _hour_draw(rng, WEEKDAY_HOURS, len(day)),
        )
        start = day + hour * HOUR + rng.integers(0, HOUR, len(day))
        # Sessions that led to an order start shortly before it.
        order_start = self.o_created[order_sessions] - rng.integers(
            5 * 60, 40 * 60, len(order_sessions)
        )
        start[browsing:] = order_start
        start = np.clip(start, self.registered[cust], self.anchor_s - 3600)
        cust, start = cust[keep], start[keep]
        order = np.lexsort((start, cust))
        cust, start = cust[order], start[order]
        s = len(cust)
        device_index = np.where(
            rng.random(s) < 0.75, self.device_pref[cust], _pick(rng, [0.55, 0.35, 0.10], s)
        )
        duration = np.clip(np.exp(rng.normal(np.log(220), 0.9, s)), 5, 3 * HOUR).astype(np.int64)
        page_views = 1 + rng.poisson(duration / 75.0)
        bounced = (duration < 20) | (rng.random(s) < 0.12)
        page_views = np.where(bounced, 1, page_views)
        duration = np.where(bounced, np.minimum(duration, 25), duration)
        session_ids = self.ids.take("web_sessions", s)
        self.tables["web_sessions"] = pd.DataFrame(
            {
                "id": session_ids,
                "customer_id": self.cid[cust],
                "device": np.array(["mobile", "desktop", "tablet"])[device_index],
                "started_at": to_time(start),
                "duration_seconds": duration,
                "page_views": page_views,
                "bounced": bounced,
            }
        )
        # Views inside non-bounced sessions, mostly in the customer's favourite category.
        top_count = len(self.cat.top_category_ids)
        product_views = np.where(
            bounced, 0, np.minimum(rng.poisson(np.minimum(page_views - 1, 8) * 0.25), 8)
        )
        parent, _ = _segments(product_views)
        v = len(parent)
        top = np.where(
            rng.random(v) < 0.6, self.favourite_top[cust[parent]], rng.integers(top_count, size=v)
        )
        product = self.cat.top_product_start[top] + (
            rng.random(v) * self.cat.top_product_count[top]
        ).astype(np.int64)
        viewed = start[parent] + (duration[parent] * rng.random(v)).astype(np.int64)
        self.tables["product_views"] = pd.DataFrame(
            {
                "id": self.ids.take("product_views", v),
                "customer_id": self.cid[cust[parent]],
                "session_id": session_ids[parent],
                "product_id": self.cat.product_ids[product],
                "category_id": self.cat.product_category_ids[product],
                "viewed_at": to_time(viewed),
            }
        )
        category_views = np.where(bounced, 0, (rng.random(s) < 0.5) + rng.poisson(0.15, s)).astype(
            np.int64
        )
        parent, _ = _segments(category_views)
        v = len(parent)
        top = np.where(
            rng.random(v) < 0.6, self.favourite_top[cust[parent]], rng.integers(top_count, size=v)
        )
        use_top = rng.random(v) < 0.4
        category = np.array(
            [
                self.cat.top_category_ids[t]
                if use_top[k]
                else self.cat.sub_category_ids_by_top[t][
                    j % len(self.cat.sub_category_ids_by_top[t])
                ]
                for k, (t, j) in enumerate(zip(top, rng.integers(0, 12, v), strict=True))
            ],
            dtype=np.int64,
        )
        viewed = start[parent] + (np.maximum(duration[parent], 1) * rng.random(v)).astype(np.int64)
        self.tables["category_views"] = pd.DataFrame(
            {
                "id": self.ids.take("category_views", v),
                "customer_id": self.cid[cust[parent]],
                "session_id": session_ids[parent],
                "category_id": category,
                "viewed_at": to_time(viewed),
            }
        )

    # -- notes, tags and their audit trail -------------------------------------------------
    def notes_and_tags(self) -> None:
        rng, n = self.rng(12), self.n
        count = np.where(rng.random(n) < 0.22, 1 + rng.poisson(0.6, n), 0)
        owner, _ = _segments(count)
        m = len(owner)
        at = self.registered[owner] + (
            (self.anchor_s - self.registered[owner]) * rng.random(m)
        ).astype(np.int64)
        order = np.lexsort((at, owner))
        owner, at = owner[order], at[order]
        author = self.cat.actor_ids[rng.integers(len(self.cat.actor_ids), size=m)]
        content = np.array(cat.NOTE_TEXTS, dtype=object)[rng.integers(len(cat.NOTE_TEXTS), size=m)]
        note_ids = self.ids.take("customer_notes", m)
        visibility = np.array(["everyone", "managers"])[(rng.random(m) < 0.1).astype(int)]
        self.tables["customer_notes"] = pd.DataFrame(
            {
                "id": note_ids,
                "customer_id": self.cid[owner],
                "author_id": author,
                "content": content,
                "visibility": visibility,
                "created_at": to_time(at),
            }
        )
        # Tags: VIP for most platinum customers, others at random; never twice per customer.
        tag_count = len(self.cat.tag_ids)
        chosen = rng.random((n, tag_count)) < 0.035
        chosen[:, 0] = (self.tier == "PLATINUM") & (rng.random(n) < 0.7) | (self.tier == "GOLD") & (
            rng.random(n) < 0.1
        )
        tag_owner, tag_index = np.nonzero(chosen)
        t = len(tag_owner)
        tag_at = self.registered[tag_owner] + (
            (self.anchor_s - self.registered[tag_owner]) * rng.random(t)
        ).astype(np.int64)
        tagger = self.cat.actor_ids[rng.integers(len(self.cat.actor_ids), size=t)]
        tag_ids = self.ids.take("customer_tags", t)
        self.tables["customer_tags"] = pd.DataFrame(
            {
                "id": tag_ids,
                "customer_id": self.cid[tag_owner],
                "tag_id": self.cat.tag_ids[tag_index],
                "assigned_by_id": tagger,
                "assigned_at": to_time(tag_at),
            }
        )
        tag_names = np.array([x[0] for x in cat.TAGS], dtype=object)
        adjusted, adjust_points, adjust_at, adjust_staff = self.adjustments
        log = pd.concat(
            [
                pd.DataFrame(
                    {
                        "at": at,
                        "actor": author,
                        "cust": owner,
                        "action": "note.added",
                        "entity_type": "customer_note",
                        "entity_id": note_ids.astype(str),
                        "summary": "Added a note (" + pd.Series(visibility, dtype=object) + ")",
                    }
                ),
                pd.DataFrame(
                    {
                        "at": tag_at,
                        "actor": tagger,
                        "cust": tag_owner,
                        "action": "tag.assigned",
                        "entity_type": "tag",
                        "entity_id": self.cat.tag_ids[tag_index].astype(str),
                        "summary": "Tagged " + pd.Series(tag_names[tag_index], dtype=object),
                    }
                ),
                pd.DataFrame(
                    {
                        "at": adjust_at,
                        "actor": adjust_staff,
                        "cust": adjusted,
                        "action": "points.adjusted",  # as c360.actions writes it
                        "entity_type": "loyalty_account",
                        "entity_id": self.cid[adjusted].astype(str),
                        "summary": "Adjusted points by +"
                        + pd.Series(adjust_points).astype(str)
                        + ": Goodwill gesture",
                    }
                ),
            ],
            ignore_index=True,
        ).sort_values(["at", "cust"], kind="stable")
        self.tables["activity_log"] = pd.DataFrame(
            {
                "id": self.ids.take("activity_log", len(log)),
                "occurred_at": to_time(log["at"].to_numpy()),
                "actor_id": log["actor"].to_numpy(dtype=np.int64),
                "customer_id": self.cid[log["cust"].to_numpy()],
                "action": log["action"].to_numpy(),
                "entity_type": log["entity_type"].to_numpy(),
                "entity_id": log["entity_id"].to_numpy(),
                "summary": log["summary"].to_numpy(),
            }
        )
