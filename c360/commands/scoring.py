"""``score``, ``model fit`` and ``backtest``: the batch scoring job and its model checks."""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta
from pathlib import Path

from c360.db import get_engine, session_factory
from c360.errors import ValidationError
from c360.models import utcnow
from c360.scoring import backtest, compute, features, job, rfm


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``score``, ``model`` and ``backtest`` commands."""
    score = subparsers.add_parser(
        "score",
        help="recompute health, churn risk and predictions of every customer",
        description="Score every customer as of a day (default today, UTC): fits BG/NBD and "
        "Gamma-Gamma, stores current scores and history, logs significant health changes and "
        "notifies account managers of churn-level changes.",
    )
    score.add_argument("--as-of", type=_iso_date, default=None, help="YYYY-MM-DD (default today)")
    score.set_defaults(func=_score)

    model = subparsers.add_parser("model", help="fit the purchase models and print them")
    actions = model.add_subparsers(dest="model_action", required=True, metavar="ACTION")
    fit = actions.add_parser("fit", help="fit BG/NBD and Gamma-Gamma on purchases up to a day")
    fit.add_argument("--as-of", type=_iso_date, default=None, help="YYYY-MM-DD (default today)")
    fit.add_argument("--json", action="store_true", help="print JSON only")
    _add_file_options(fit)
    fit.set_defaults(func=_model_fit)

    test = subparsers.add_parser(
        "backtest",
        help="fit up to a cutoff, score the next N days, compare with what happened",
    )
    test.add_argument(
        "--cutoff", type=_iso_date, default=None, help="YYYY-MM-DD (default: last order - N days)"
    )
    test.add_argument("--horizon-days", type=int, default=90, help="days after the cutoff")
    test.add_argument("--json", action="store_true", help="print JSON only")
    _add_file_options(test)
    test.set_defaults(func=_backtest)


def _add_file_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cdnow", type=Path, default=None, help="read a CDNOW-format file instead of the database"
    )
    parser.add_argument(
        "--weeks", action="store_true", help="report BG/NBD alpha per week (the literature's unit)"
    )


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {value!r}") from None


def _score(args: argparse.Namespace) -> int:
    engine = get_engine()
    summary = job.score_everyone(engine, args.as_of, progress=True)
    bgnbd = summary.params["bgnbd"]
    print(
        f"scored {summary.customers:,} customers ({summary.buyers:,} with purchases) as of "
        f"{summary.as_of.isoformat()} in {sum(summary.seconds.values()):.1f} s; "
        f"{summary.health_changes_logged:,} health changes logged, "
        f"{summary.churn_notifications:,} churn-level notifications; "
        f"BG/NBD r={bgnbd['r']:.3f} alpha={bgnbd['alpha']:.2f} (days) "
        f"a={bgnbd['a']:.3f} b={bgnbd['b']:.3f}"
    )
    for step, seconds in summary.seconds.items():
        print(f"  {step:<24} {seconds:>8.2f} s")
    return 0


def _model_fit(args: argparse.Namespace) -> int:
    as_of = args.as_of or utcnow().date()
    if args.cdnow is not None:
        frame = features.from_summary(rfm.summarize(rfm.load_cdnow(args.cdnow), as_of))
    else:
        with session_factory(get_engine())() as session:
            frame = features.load_features(session, as_of)
    if not frame["purchased"].any():
        raise ValidationError(f"No purchases on or before {as_of.isoformat()}.")
    models = compute.fit_models(frame)
    params = models.bgnbd.as_dict()
    if args.weeks:
        params["alpha"] /= 7.0
    result = {
        "bgnbd": params,
        "gamma_gamma": None if models.gamma_gamma is None else models.gamma_gamma.as_dict(),
        "customers": models.customers,
    }
    if args.json:
        print(json.dumps(result))
        return 0
    unit = "week" if args.weeks else "day"
    print(
        f"fitted on {models.customers:,} customers ({models.repeat_buyers:,} repeat buyers) "
        f"with purchases up to {as_of.isoformat()}; time in {unit}s"
    )
    print("BG/NBD      " + "  ".join(f"{k}={v:.4f}" for k, v in params.items()))
    if result["gamma_gamma"]:
        print("Gamma-Gamma " + "  ".join(f"{k}={v:.4f}" for k, v in result["gamma_gamma"].items()))
    return 0


def _backtest(args: argparse.Namespace) -> int:
    if args.cdnow is not None:
        transactions = rfm.load_cdnow(args.cdnow)
        cutoff = args.cutoff or rfm.from_day_number(
            int(transactions.days.max()) - args.horizon_days
        )
        result = backtest.backtest_transactions(transactions, cutoff, args.horizon_days)
    else:
        with session_factory(get_engine())() as session:
            cutoff = args.cutoff or backtest.default_cutoff(session, args.horizon_days)
            result = backtest.backtest_database(session, cutoff, args.horizon_days)
    if args.json:
        print(json.dumps(result.as_dict()))
        return 0
    end = cutoff + timedelta(days=args.horizon_days)
    print(f"back-test: fitted on purchases up to {cutoff}, scored {cutoff} .. {end}")
    print(f"  customers {result.customers:,}, of whom {result.churners:,} bought nothing")
    print(
        f"  AUC churn probability {result.auc_model:.3f}  vs days since last order "
        f"{result.auc_recency:.3f}"
    )
    for name, value in result.alternatives.items():
        print(f"  AUC {name:<34} {value:.3f}")
    print(
        f"  purchases predicted {result.predicted_purchases:,.1f}, actual "
        f"{result.actual_purchases:,}"
    )
    print("  repeat purchases  customers  mean predicted  mean actual")
    for row in result.by_frequency:
        print(
            f"  {row.frequency:>16}  {row.customers:>9,}  {row.mean_predicted:>14.3f}  "
            f"{row.mean_actual:>11.3f}"
        )
    return 0
