"""`python -m fsckmsft_sandbox [--port 8001] [--database FILE]`, from a generated project."""

import argparse

from .manifest import seed_app_from_project
from .serving import serve


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the fsckmsft sandbox on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--database", default=None, help="SQLite file (default: temporary)")
    args = parser.parse_args()
    serve(port=args.port, database=args.database, seed_app=seed_app_from_project("."))


if __name__ == "__main__":
    main()
