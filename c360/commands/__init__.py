"""Sub-commands of ``python -m c360``, one module per area (discovered automatically)."""
