"""The background refresher: a separate process that keeps connections fresh.

- worker: the loop and its sweeps (`flask refresher run`, `--once` for cron).
- claims: how any number of refreshers share the due rows without doing one twice.
- commands: the `flask refresher` command group (`run`, `health`).
- records: the sweep records (last completed sweep, pruning after the retention period).
- metrics: optional Prometheus metrics, fed from the flow's signals (METRICS_PORT).
"""

from .worker import Refresher, RefresherSettings

__all__ = ["Refresher", "RefresherSettings"]
