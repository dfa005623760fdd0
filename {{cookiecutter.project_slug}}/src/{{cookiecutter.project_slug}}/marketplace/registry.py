"""The check registry: each check is a small function with a stable id and a severity."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from .context import CheckContext
from .report import Outcome, Report, Severity

Needs = Literal["nothing", "manifest", "production"]
CheckFunction = Callable[[CheckContext], Iterable[str]]


class NotApplicable(Exception):
    """Raised by a check that has nothing to look at; the message says why."""


@dataclass(frozen=True)
class Check:
    id: str
    severity: Severity
    title: str
    needs: Needs
    function: CheckFunction


CHECKS: list[Check] = []


def check(
    check_id: str, severity: Severity, title: str, needs: Needs = "manifest"
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check. The function yields one sentence per problem (what, and the fix)."""

    def register(function: CheckFunction) -> CheckFunction:
        if any(existing.id == check_id for existing in CHECKS):
            raise ValueError(f"two checks share the id {check_id}")
        CHECKS.append(Check(check_id, severity, title, needs, function))
        return function

    return register


def _precondition(check: Check, context: CheckContext) -> str | None:
    """Why `check` cannot run here, or None."""
    if check.needs == "manifest" and context.manifest_problems:
        return "skipped until MANIFEST_INVALID is fixed"
    if check.needs == "production" and context.production_env is None:
        return context.production_skip_reason
    return None


def evaluate(check: Check, context: CheckContext) -> Outcome:
    reason = _precondition(check, context)
    if reason is not None:
        return Outcome(check.id, check.severity, check.title, "skip", (reason,))
    try:
        problems = tuple(check.function(context))
    except NotApplicable as why:
        return Outcome(check.id, check.severity, check.title, "skip", (str(why),))
    except Exception as error:  # a crashing check must still produce a readable report
        problems = (f"the check itself failed ({type(error).__name__}: {error}); please report it",)
    status = "fail" if problems else "pass"
    return Outcome(check.id, check.severity, check.title, status, problems)


def run_checks(context: CheckContext) -> Report:
    """Run every registered check against `context`, in registration order."""
    from . import checks_assets, checks_manifest, checks_production, checks_secrets  # noqa: F401

    report = Report(manifest=str(context.manifest_path))
    report.outcomes.extend(evaluate(check, context) for check in CHECKS)
    return report
