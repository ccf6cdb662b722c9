"""What every profile renderer receives; other helpers' blocks take the same object."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from c360.permissions import Actor
from c360.views import Customer360View


@dataclass(frozen=True)
class ProfileContext:
    """The signed-in actor, the engine to page further with, and the built view."""

    engine: Engine
    actor: Actor
    view: Customer360View

    @property
    def customer_id(self) -> int:
        return self.view.profile.id

    def key(self, name: str) -> str:
        """A widget key unique to this customer (switching customers resets widgets)."""
        return f"c360_profile_{self.customer_id}_{name}"
