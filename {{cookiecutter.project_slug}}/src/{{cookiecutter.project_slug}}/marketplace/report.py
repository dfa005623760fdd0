"""The outcome of each check, and the report people and CI read."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
Status = Literal["pass", "fail", "skip"]

_MARKS = {"pass": "ok  ", "skip": "n/a ", "error": "FAIL", "warning": "warn"}


@dataclass(frozen=True)
class Outcome:
    """One check's verdict: `messages` say what is wrong and how to fix it (or why skipped)."""

    id: str
    severity: Severity
    title: str
    status: Status
    messages: tuple[str, ...] = ()

    @property
    def mark(self) -> str:
        return _MARKS[self.severity] if self.status == "fail" else _MARKS[self.status]


@dataclass
class Report:
    manifest: str
    outcomes: list[Outcome] = field(default_factory=list)

    def failed(self, severity: Severity) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "fail" and o.severity == severity]

    @property
    def ok(self) -> bool:
        """Exit 0 only when no error-level check fails; warnings never block."""
        return not self.failed("error")

    def summary(self) -> dict[str, int]:
        return {
            "errors": len(self.failed("error")),
            "warnings": len(self.failed("warning")),
            "passed": sum(o.status == "pass" for o in self.outcomes),
            "skipped": sum(o.status == "skip" for o in self.outcomes),
        }

    def to_json(self) -> str:
        return json.dumps(
            {
                "manifest": self.manifest,
                "ok": self.ok,
                "summary": self.summary(),
                "checks": [{**asdict(o), "messages": list(o.messages)} for o in self.outcomes],
            },
            indent=2,
            ensure_ascii=False,
        )

    def to_text(self) -> str:
        width = max((len(o.id) for o in self.outcomes), default=0)
        lines = [f"Marketplace preflight: {self.manifest}", ""]
        for outcome in self.outcomes:
            lines.append(f"  {outcome.mark}  {outcome.id:<{width}}  {outcome.title}")
            lines.extend(f"        {' ' * width}  - {message}" for message in outcome.messages)
        counts = self.summary()
        verdict = "ready for review" if self.ok else "a reviewer would reject this"
        if self.ok and counts["warnings"]:
            verdict = "ready for review once you have read the warnings"
        lines += [
            "",
            f"{counts['errors']} error(s), {counts['warnings']} warning(s), "
            f"{counts['passed']} passed, {counts['skipped']} not applicable: {verdict}.",
        ]
        return "\n".join(lines)
