"""The closed sets of words the schema and the run share, each defined once.

The document models (checker.models), the policy and configuration models
(checker.governance_models) and the plain copies a run works with (checker.policy,
checker.config) all take them from here, which imports nothing, so that a run whose files were
validated before needs no pydantic.
"""

from __future__ import annotations

from typing import Literal

Severity = Literal["error", "warning", "info"]
# The lowest severity that fails a run.
FailOn = Literal["error", "warning"]
Stage = Literal["proposed", "experimental", "pilot", "production", "paused", "deprecated", "retired"]
Tier = Literal["low", "medium", "high", "critical"]
# The kinds of document a rule may apply to.
Kind = Literal["AISystem", "Evidence", "Directory"]
