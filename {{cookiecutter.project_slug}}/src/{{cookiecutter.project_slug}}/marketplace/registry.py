"""The check registry: each check is a small function with a stable id and a severity."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from typing import Literal

from .context import CheckContext
from .report import Outcome, Report, Severity, Status

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
#: The modules holding checks, in the order the report lists them.
CHECK_MODULES = (
    "checks_manifest",
    "checks_assets",
    "checks_pages",
    "checks_secrets",
    "checks_production",
    "checks_platform",
)


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
    status: Status = "fail" if problems else "pass"
    return Outcome(check.id, check.severity, check.title, status, problems)


def _module_position(check: Check) -> int:
    return CHECK_MODULES.index(check.function.__module__.rpartition(".")[2])


def run_checks(context: CheckContext) -> Report:
    """Run every check against `context`, grouped in the order of CHECK_MODULES."""
    for module in CHECK_MODULES:
        import_module(f"{__package__}.{module}")  # importing a module registers its checks
    ordered = sorted(CHECKS, key=_module_position)
    report = Report(manifest=str(context.manifest_path))
    report.outcomes.extend(evaluate(check, context) for check in ordered)
    return report
