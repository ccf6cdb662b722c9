"""Search page widgets: the query box and filters (kept in the URL), the results and selection."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from c360 import search
from c360.config import PROJECT_ROOT
from c360.db import transaction
from c360.errors import C360Error
from c360.models import ChurnLevel, HealthLevel, LoyaltyTier
from c360.permissions import Actor
from c360.ui.db import engine
from c360.views import CustomerSearchParams

PAGES_DIR = PROJECT_ROOT / "pages"
SELECTION_KEY = "search_selection"
GRID_KEY = "search_grid"


def go_to(page_file: str, **query: str) -> None:
    """Switch to ``pages/<page_file>`` in this session, keeping the sign-in, with ``query``."""
    try:
        st.switch_page(str(PAGES_DIR / page_file), query_params=query)
    except StreamlitAPIException:
        st.error(f"The page {page_file!r} is not available in this app yet.")


def read_params() -> CustomerSearchParams:
    """The search in the URL; unreadable parts are shown as warnings and dropped."""
    params, problems = search.params_from_query(st.query_params.to_dict())
    for problem in problems:
        st.warning(problem)
    return params


def write_params(params: CustomerSearchParams) -> None:
    """Put ``params`` in the URL (so the search is a shareable link) and run again."""
    st.query_params.from_dict(search.params_to_query(params))
    st.session_state.pop(SELECTION_KEY, None)
    st.rerun()


@st.cache_data(ttl=30, show_spinner=False)
def _choices(database_url: str) -> search.FilterChoices:
    with transaction(engine()) as session:
        return search.filter_choices(session)


def search_form(params: CustomerSearchParams) -> None:
    """The search box and filters; submitting writes them to the URL."""
    choices = _choices(str(engine().url))
    segment_names = dict(choices.segments)
    tag_names = dict(choices.tags)
    with st.form("search_form"):
        query = st.text_input(
            "Search",
            value=params.query,
            placeholder="Name, e-mail, phone or order number",
            max_chars=search.MAX_QUERY_LENGTH,
        )
        with st.expander("Filters", expanded=search.has_filters(replace(params, query=""))):
            a, b, c = st.columns(3)
            segments = a.multiselect(
                "Segment",
                list(segment_names),
                default=[i for i in params.segment_ids if i in segment_names],
                format_func=lambda i: segment_names.get(i, f"#{i}"),
            )
            tags = b.multiselect(
                "Tag",
                list(tag_names),
                default=[i for i in params.tag_ids if i in tag_names],
                format_func=lambda i: tag_names.get(i, f"#{i}"),
            )
            tiers = c.multiselect("Loyalty tier", list(LoyaltyTier), default=list(params.tiers))
            a, b, c, d = st.columns(4)
            registered_from = a.date_input("Registered from", value=params.registered_from)
            registered_to = b.date_input("Registered to", value=params.registered_to)
            last_from = c.date_input("Last order from", value=params.last_purchase_from)
            last_to = d.date_input("Last order to", value=params.last_purchase_to)
            a, b, c, d = st.columns(4)
            ltv_min = a.number_input(
                "Lifetime value min ($)", min_value=0.0, value=_num(params.ltv_min)
            )
            ltv_max = b.number_input(
                "Lifetime value max ($)", min_value=0.0, value=_num(params.ltv_max)
            )
            orders_min = c.number_input("Orders min", min_value=0, value=params.orders_min, step=1)
            orders_max = d.number_input("Orders max", min_value=0, value=params.orders_max, step=1)
            a, b = st.columns(2)
            health = a.multiselect(
                "Health level",
                list(HealthLevel),
                default=list(params.health_levels),
                help="Customers not scored yet match no health filter.",
            )
            churn = b.multiselect(
                "Churn level",
                list(ChurnLevel),
                default=list(params.churn_levels),
                help="Customers not scored yet match no churn filter.",
            )
        submitted = st.form_submit_button("Search", type="primary")
    if submitted:
        write_params(
            replace(
                params,
                query=query.strip(),
                segment_ids=tuple(segments),
                tag_ids=tuple(tags),
                tiers=tuple(tiers),
                registered_from=registered_from,
                registered_to=registered_to,
                last_purchase_from=last_from,
                last_purchase_to=last_to,
                ltv_min=None if ltv_min is None else Decimal(str(ltv_min)),
                ltv_max=None if ltv_max is None else Decimal(str(ltv_max)),
                orders_min=None if orders_min is None else int(orders_min),
                orders_max=None if orders_max is None else int(orders_max),
                health_levels=tuple(health),
                churn_levels=tuple(churn),
                page=1,
            )
        )


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def sort_controls(params: CustomerSearchParams) -> None:
    """Sort column, direction and page size; a change goes to the URL."""
    a, b, c = st.columns([2, 1, 1])
    labels = search.SORT_LABELS
    sort = a.selectbox(
        "Sort by", list(labels), index=list(labels).index(params.sort), format_func=labels.get
    )
    descending = b.toggle("Descending", value=params.descending)
    size = c.selectbox(
        "Rows per page", search.PAGE_SIZES, index=search.PAGE_SIZES.index(params.page_size)
    )
    if (sort, descending, size) != (params.sort, params.descending, params.page_size):
        write_params(replace(params, sort=sort, descending=descending, page_size=size, page=1))


def run_search(actor: Actor, params: CustomerSearchParams) -> search.SearchResult | None:
    """The result page, or None after showing why the search was refused."""
    try:
        with transaction(engine()) as session:
            return search.search_customers(actor, session, params)
    except C360Error as exc:
        st.error(str(exc))
        return None


def _frame(result: search.SearchResult) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Profile": f"/customer?id={r.id}",
                "Name": r.name,
                "E-mail": r.email,
                "Phone": r.phone,
                "Registered": r.registered_at.date(),
                "Tier": r.loyalty_tier.value if r.loyalty_tier else None,
                "Lifetime value": float(r.lifetime_value),
                "Orders": r.order_count,
                "Last order": r.last_order_at.date() if r.last_order_at else None,
                "Health": r.health_score,
                "Health level": r.health_level.value if r.health_level else None,
                "Churn": r.churn_level.value if r.churn_level else None,
                "Status": r.status.value,
            }
            for r in result.rows
        ]
    )


def results(result: search.SearchResult, params: CustomerSearchParams) -> list[int]:
    """The result grid and pager; returns the ids of the selected rows (grid or picker)."""
    noun = "customer" if result.total == 1 else "customers"
    st.subheader(f"{result.total:,} {noun}")
    if not result.rows:
        st.info("No customer matches this search. Remove a filter or change the text.")
        return []
    event = st.dataframe(
        _frame(result),
        hide_index=True,
        on_select="rerun",
        selection_mode="multi-row",
        key=GRID_KEY,
        column_config={
            "Profile": st.column_config.LinkColumn("Profile", display_text="Open"),
            "Lifetime value": st.column_config.NumberColumn(format="dollar"),
            "Health": st.column_config.NumberColumn(format="%.0f"),
        },
    )
    first = (result.page - 1) * result.page_size + 1
    last = first + len(result.rows) - 1
    a, b, c = st.columns([1, 2, 1])
    if a.button("← Previous", disabled=result.page <= 1):
        write_params(replace(params, page=result.page - 1))
    b.caption(f"Rows {first:,}–{last:,} of {result.total:,} · page {result.page} of {result.pages}")
    if c.button("Next →", disabled=result.page >= result.pages):
        write_params(replace(params, page=result.page + 1))
    grid_rows = getattr(getattr(event, "selection", None), "rows", None) or []
    grid_ids = [result.rows[i].id for i in grid_rows if i < len(result.rows)]
    names = {r.id: f"{r.name} (#{r.id})" for r in result.rows}
    picked = st.multiselect(
        "Selected customers (one to open, two or three to compare)",
        list(names),
        format_func=names.get,
        key=SELECTION_KEY,
    )
    return list(dict.fromkeys([*grid_ids, *picked]))


def selection_actions(selected: list[int]) -> None:
    """Open the one selected customer, or compare two or three."""
    a, b, _ = st.columns([1, 1, 3])
    if a.button("Open profile", disabled=len(selected) != 1, type="primary"):
        go_to("customer.py", id=str(selected[0]))
    if b.button("Compare", disabled=not 2 <= len(selected) <= 3):
        go_to("compare.py", ids=",".join(map(str, selected)))
    if len(selected) > 3:
        st.warning("Select at most three customers to compare.")
