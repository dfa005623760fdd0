"""Marketplace preflight: what a Marketplace reviewer would reject, check by check.

`flask marketplace check` reviews the listing manifest (marketplace/manifest.toml), the
listing art, the files that would be committed, and the production settings. Each check has
a stable id and a severity; `--live` also runs the whole connect flow against the sandbox.
"""

from .registry import CHECKS, CheckContext, run_checks
from .report import Outcome, Report

__all__ = ["CHECKS", "CheckContext", "Outcome", "Report", "run_checks"]
