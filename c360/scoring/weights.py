"""Health-score weights: an admin setting stored in app_settings, audited on every change."""

from __future__ import annotations

import math
from collections.abc import Mapping

from sqlalchemy.orm import Session

from c360 import audit
from c360.errors import ValidationError
from c360.models import AppSetting, utcnow
from c360.permissions import Actor, Permission, requires
from c360.scoring.health import COMPONENTS, DEFAULT_WEIGHTS, normalise_weights

SETTING_KEY = "scoring.health_weights"


def get_health_weights(session: Session) -> dict[str, float]:
    """The configured weights (normalised to sum to 1), or the defaults when none are set."""
    row = session.get(AppSetting, SETTING_KEY)
    if row is None or not isinstance(row.value, dict):
        return dict(DEFAULT_WEIGHTS)
    try:
        return validate_weights(row.value)
    except ValidationError:
        return dict(DEFAULT_WEIGHTS)


def validate_weights(weights: Mapping[str, object]) -> dict[str, float]:
    """Check the four weights are finite, non-negative and not all zero; return them normalised."""
    unknown = sorted(set(weights) - set(COMPONENTS))
    missing = [name for name in COMPONENTS if name not in weights]
    if unknown or missing:
        raise ValidationError(
            f"Weights must be given for exactly {', '.join(COMPONENTS)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + "."
        )
    values: dict[str, float] = {}
    for name in COMPONENTS:
        try:
            value = float(weights[name])  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValidationError(f"The {name} weight must be a number.") from None
        if not math.isfinite(value) or value < 0:
            raise ValidationError(f"The {name} weight must be zero or more.")
        values[name] = value
    if sum(values.values()) <= 0:
        raise ValidationError("At least one weight must be above zero.")
    return normalise_weights(values)


@requires(Permission.MANAGE_SCORING)
def set_health_weights(
    actor: Actor, session: Session, weights: Mapping[str, object]
) -> dict[str, float]:
    """Store new weights (normalised) and audit the change; they apply from the next scoring run."""
    new = validate_weights(weights)
    before = get_health_weights(session)
    row = session.get(AppSetting, SETTING_KEY)
    if row is None:
        session.add(AppSetting(key=SETTING_KEY, value=new, updated_by_id=actor.id))
    else:
        row.value = new
        row.updated_by_id = actor.id
        row.updated_at = utcnow()
    shown = ", ".join(f"{name} {new[name]:.0%}" for name in COMPONENTS)
    audit.record(
        session,
        actor,
        "scoring.weights_changed",
        entity_type="app_setting",
        entity_id=SETTING_KEY,
        summary=f"Health score weights set to {shown}",
        before=before,
        after=new,
    )
    session.flush()
    return new
