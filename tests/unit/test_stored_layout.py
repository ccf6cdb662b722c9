"""Score explanations stored as arrays read back with the names of their run's layout."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from c360.scoring import stored


def test_rows_become_json_arrays_with_nulls_for_missing_values() -> None:
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.123456789], "b": [0, 2, np.nan]})
    lines = stored.json_arrays(frame)
    assert [json.loads(line) for line in lines] == [[1.0, 0.0], [None, 2.0], [3.123457, None]]
    assert stored.json_arrays(frame.iloc[:0]) == []


def test_health_inputs_are_named_by_the_layout_the_run_recorded() -> None:
    values = list(range(len(stored.HEALTH_INPUTS)))
    named = stored.health_inputs(values, {"layout": stored.layout()})
    assert named == dict(zip(stored.HEALTH_INPUTS, values, strict=True))
    reordered = {"layout": {"health_inputs": list(reversed(stored.HEALTH_INPUTS))}}
    assert stored.health_inputs(values, reordered)["purchase_days"] == values[-1]


def test_rows_from_before_the_array_layout_read_the_same() -> None:
    assert stored.health_inputs({"values": {"opens": 2.0}}, None) == {"opens": 2.0}
    values, terms = stored.churn_inputs({"values": {"p_model": 0.5}, "terms": {"model": 1.0}}, None)
    assert values == {"p_model": 0.5} and terms == {"model": 1.0}


def test_a_malformed_stored_value_explains_nothing_instead_of_failing() -> None:
    assert stored.health_inputs([1.0, 2.0], None) == {}
    assert stored.health_inputs("text", None) == {}
    assert stored.churn_inputs([[1.0]], None) == ({}, {})
    assert stored.churn_inputs(None, None) == ({}, {})
