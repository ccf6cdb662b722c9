"""Model quality (B4): the back-test of the churn probability and purchase predictions."""

import pandas as pd
import streamlit as st

from c360.errors import C360Error
from c360.permissions import Permission
from c360.ui import scores
from c360.ui.auth import require_actor
from c360.ui.db import engine

require_actor(Permission.VIEW_PORTFOLIO)
db = engine()
st.title("Model quality")
st.caption(
    "Back-test on this store's own history: the models are fitted on orders up to a cutoff, "
    "then their predictions are compared with what customers actually did in the days after."
)

horizon = st.segmented_control(
    "Horizon", [30, 90, 180], default=90, format_func=lambda d: f"{d} days"
)
if st.button("Recompute"):
    scores.forget_backtest()
try:
    result = scores.backtest_result(db, int(horizon or 90))
except C360Error as exc:
    st.info(str(exc))
    st.stop()

st.subheader(f"Cutoff {result['cutoff']}, next {result['horizon_days']} days")
cols = st.columns(4)
cols[0].metric("AUC, churn probability", f"{result['auc_model']:.3f}")
cols[1].metric("AUC, days since last order", f"{result['auc_recency']:.3f}")
cols[2].metric("Purchases predicted", f"{result['predicted_purchases']:,.0f}")
cols[3].metric("Purchases actual", f"{result['actual_purchases']:,}")
verdict = result["auc_model"] >= result["auc_recency"]
(st.success if verdict else st.warning)(
    f"The churn probability shown on profiles ranked the {result['churners']:,} customers who "
    f"bought nothing {'at least as well as' if verdict else 'worse than'} the plain "
    f"days-since-last-order rule ({result['customers']:,} customers with a purchase before the "
    "cutoff; AUC 0.5 is chance, 1.0 perfect)."
)

st.subheader("Predicted vs actual purchases, by repeat purchases before the cutoff")
table = pd.DataFrame(result["by_frequency"])
st.bar_chart(table, x="frequency", y=["mean_predicted", "mean_actual"], stack=False, height=260)
st.dataframe(table, hide_index=True, width="stretch")

with st.expander("Alternatives measured and model parameters"):
    st.dataframe(
        pd.DataFrame(
            [{"ranking": name, "AUC": value} for name, value in result["alternatives"].items()]
        ),
        hide_index=True,
    )
    st.caption(
        "1 − P(alive) counts every one-time buyer as alive and ranks churners badly; the "
        "probability shown recalibrates BG/NBD's P(no purchase in 90 days) with recency, "
        "repeat purchases, engagement decline and support issues, fitted on the previous 90 days."
    )
    st.json(result["params"])
    fit = scores.latest_model_fit(db)
    if fit is not None:
        st.markdown(
            f"**Last scoring run** as of {fit['as_of']:%Y-%m-%d} on {fit['customers']:,} buyers"
        )
        st.json(fit["params"])
