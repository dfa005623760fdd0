"""A sequence diagram of the recorded flow, laid out on the server.

The template draws it as inline SVG from these numbers: no JavaScript, no CDN, nothing
to download, so it works in a room without network and under the app's strict CSP.
"""

from __future__ import annotations

from dataclasses import dataclass

from .recorder import FlowEvent
from .steps import LANES, label, step_info

LANE_GAP = 240  # horizontal distance between lifelines
LEFT = 110  # x of the first lifeline
TOP = 64  # y of the first arrow
ROW = 34  # vertical distance between arrows
SELF_LOOP = 36  # width of an arrow from a lane to itself
MAX_LABEL = 46


@dataclass(frozen=True)
class Lane:
    name: str
    x: int


@dataclass(frozen=True)
class DiagramArrow:
    number: int  # the step number, as in the table under the diagram
    x1: int
    x2: int
    y: int
    text: str
    reply: bool  # a response: drawn dashed
    first: bool  # the first arrow of its step: carries the step number
    failed: bool  # a failed check or an error status: drawn in red

    @property
    def to_self(self) -> bool:
        return self.x1 == self.x2

    @property
    def text_x(self) -> int:
        return self.x1 + SELF_LOOP + 8 if self.to_self else (self.x1 + self.x2) // 2

    @property
    def path(self) -> str:
        """An SVG path: a straight line, or a small loop back to the same lifeline."""
        if self.to_self:
            x, y = self.x1, self.y - 8
            return f"M{x},{y} h{SELF_LOOP} v16 h-{SELF_LOOP}"
        return f"M{self.x1},{self.y} H{self.x2}"


@dataclass(frozen=True)
class Diagram:
    lanes: list[Lane]
    arrows: list[DiagramArrow]
    width: int
    height: int


def _failed(event: FlowEvent) -> bool:
    details = event.details
    status = details.get("status")
    return details.get("matched") is False or (isinstance(status, int) and status >= 400)


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else f"{text[: MAX_LABEL - 1]}…"


def build_diagram(events: list[FlowEvent]) -> Diagram:
    """Lay out one arrow per message of each recorded step, top to bottom."""
    x_of = {name: LEFT + index * LANE_GAP for index, name in enumerate(LANES)}
    arrows: list[DiagramArrow] = []
    for number, event in enumerate(events, start=1):
        for index, (source, target, template) in enumerate(step_info(event.step).arrows):
            arrows.append(
                DiagramArrow(
                    number=number,
                    x1=x_of[source],
                    x2=x_of[target],
                    y=TOP + len(arrows) * ROW,
                    text=_short(label(template, event.details)),
                    # fsckmsft answering the app's own request: a dashed reply arrow.
                    reply=source == "fsckmsft" and target == "app",
                    first=index == 0,
                    failed=_failed(event),
                )
            )
    width = LEFT * 2 + LANE_GAP * (len(LANES) - 1)
    height = TOP + max(len(arrows), 1) * ROW
    return Diagram([Lane(name, x) for name, x in x_of.items()], arrows, width, height)
