"""Pure rule evaluators: a snapshot, an inspection and its policy at ``as_of`` -> findings.

``evaluate(ctx)`` (or ``check_inspection(snapshot, loaded, as_of)``) runs every rule;
``all_rules()`` lists them with their runbooks.
"""

from spcheck.rules.interface import (
    InspectionResult,
    MilestoneResult,
    RecordReader,
    RecordsSummary,
    RuleContext,
    RuleError,
    RuleSpec,
    WeekMark,
)
from spcheck.rules.registry import all_rules, check_inspection, evaluate, get_rule, rule

__all__ = [
    "InspectionResult",
    "MilestoneResult",
    "RecordReader",
    "RecordsSummary",
    "RuleContext",
    "RuleError",
    "RuleSpec",
    "WeekMark",
    "all_rules",
    "check_inspection",
    "evaluate",
    "get_rule",
    "rule",
]
