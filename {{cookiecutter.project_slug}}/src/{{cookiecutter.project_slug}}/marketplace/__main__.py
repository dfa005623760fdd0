"""`python -m <package>.marketplace check`: the preflight without starting the app."""

from .cli import standalone_cli

standalone_cli(prog_name=f"python -m {__package__}")
