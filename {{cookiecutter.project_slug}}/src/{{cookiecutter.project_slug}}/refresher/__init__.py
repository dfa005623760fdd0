"""The background refresher: a separate process that keeps connections fresh.

- worker: the loop and its sweeps (`flask refresher run`, `--once` for cron).
- claims: how any number of refreshers share the due rows without doing one twice.
- commands: the `flask refresher` command group.
"""

from .worker import Refresher, RefresherSettings

__all__ = ["Refresher", "RefresherSettings"]
