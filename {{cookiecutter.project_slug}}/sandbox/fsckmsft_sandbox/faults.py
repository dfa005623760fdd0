"""Fault rules: make the token endpoint or the API fail on purpose, the way networks do."""

import itertools
import math
import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

ENDPOINTS = ("token", "api")
_RULE_FIELDS = {
    "endpoint",
    "status",
    "retry_after",
    "latency",
    "timeout",
    "rotate_then_drop",
    "count",
    "probability",
    "grant_type",
    "error",
}


class FaultRuleError(ValueError):
    """A fault rule that cannot be applied; the message names the field."""


@dataclass
class FaultRule:
    id: int
    endpoint: str
    status: int | None = None
    retry_after: int | None = None
    latency: float | None = None
    timeout: float | None = None
    rotate_then_drop: bool = False
    count: int | None = None
    probability: float | None = None
    grant_type: str | None = None
    error: str | None = None

    def matches(self, endpoint: str, grant_type: str | None) -> bool:
        if endpoint != self.endpoint:
            return False
        return self.grant_type is None or self.grant_type == grant_type

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value not in (None, False)}


def _number(rule: dict[str, Any], name: str, low: float, high: float) -> float | None:
    value = rule.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FaultRuleError(f"'{name}' must be a number.")
    if not low <= value <= high:
        raise FaultRuleError(f"'{name}' must be between {low:g} and {high:g}.")
    return value


def _integer(rule: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = _number(rule, name, low, high)
    if value is not None and not isinstance(rule[name], int):
        raise FaultRuleError(f"'{name}' must be a whole number.")
    return None if value is None else int(value)


def _text(rule: dict[str, Any], name: str) -> str | None:
    value = rule.get(name)
    if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 100):
        raise FaultRuleError(f"'{name}' must be a short string.")
    return value


def parse_rule(rule: Any, rule_id: int) -> FaultRule:
    """Validate a rule posted as JSON."""
    if not isinstance(rule, dict):
        raise FaultRuleError("The fault rule must be a JSON object.")
    unknown = sorted(set(rule) - _RULE_FIELDS)
    if unknown:
        raise FaultRuleError(f"Unknown field '{unknown[0]}'.")
    if rule.get("endpoint") not in ENDPOINTS:
        raise FaultRuleError("'endpoint' must be 'token' or 'api'.")
    drop = rule.get("rotate_then_drop", False)
    if not isinstance(drop, bool):
        raise FaultRuleError("'rotate_then_drop' must be true or false.")
    if drop and rule["endpoint"] != "token":
        raise FaultRuleError("'rotate_then_drop' applies only to the 'token' endpoint.")
    parsed = FaultRule(
        id=rule_id,
        endpoint=rule["endpoint"],
        status=_integer(rule, "status", 100, 599),
        retry_after=_integer(rule, "retry_after", 0, 86400),
        latency=_number(rule, "latency", 0, 600),
        timeout=_number(rule, "timeout", 0, 600),
        rotate_then_drop=drop,
        count=_integer(rule, "count", 1, 1_000_000),
        probability=_number(rule, "probability", 0, 1),
        grant_type=_text(rule, "grant_type"),
        error=_text(rule, "error"),
    )
    if parsed.status is None and parsed.latency is None and parsed.timeout is None and not drop:
        raise FaultRuleError(
            "Give at least one of 'status', 'latency', 'timeout', 'rotate_then_drop'."
        )
    return parsed


class FaultBook:
    """The active rules; the first rule that matches a request (and wins its dice) applies."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, rule: Any) -> FaultRule:
        with self._lock:
            parsed = parse_rule(rule, next(self._ids))
            self._rules.append(parsed)
            return parsed

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def take(self, endpoint: str, grant_type: str | None) -> FaultRule | None:
        """The rule to apply to this request, counting it against the rule's `count`."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(endpoint, grant_type):
                    continue
                if rule.probability is not None and random.random() >= rule.probability:
                    continue
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count == 0:
                        self._rules.remove(rule)
                return rule
            return None
