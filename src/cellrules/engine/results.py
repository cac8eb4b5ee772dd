"""What an evaluation produces: findings per rule and a verdict per file."""
from __future__ import annotations

import attrs


@attrs.frozen
class Input:
    """A value a finding used: its name, its text with unit, and where it came from; for a number also its
    value in the coherent SI unit (potentials in V vs SHE), for machines."""

    name: str
    value: str
    source: str
    si: float | None = None
    unit: str = ""


@attrs.frozen
class Finding:
    rule: str
    outcome: str               # fail | unknown | skipped | waived | pass | not-applicable
    severity: str
    failure_mode: str
    message: str
    line: int
    column: int
    inputs: tuple[Input, ...] = ()
    mitigations: tuple[str, ...] = ()
    citation: str = ""
    missing: tuple[str, ...] = ()
    prerequisites: tuple[str, ...] = ()   # rules a skipped finding depends on / rules this one refines
    superseded: tuple[str, ...] = ()      # rules whose failure this refinement replaces
    reason: str = ""                      # a waived finding's waiver reason (SARIF carries it as a suppression)
    alternatives: tuple[tuple[str, ...], ...] = ()   # an unknown finding's needs: any one group of inputs decides it


@attrs.frozen
class FileResult:
    path: str
    status: str                # pass | incomplete | fail | error
    findings: tuple[Finding, ...] = ()
    message: str = ""
    errors: tuple = ()         # CellrulesError values when status is error
    spec: object = None        # the CellSpec, for reports (None on error)
    resolved: object = None    # the Resolved values, for reports
    values: tuple = ()         # the evaluated slot table (fields, then derived values), for reports
