"""The production command line: `{{ cookiecutter.project_slug | replace('_', '-') }} db upgrade`, `... refresher run`.

The same commands as `flask --app {{ cookiecutter.project_slug }} ...`, with one difference
that matters in production: the `flask` command loads `.env` and `.flaskenv` from the working
folder before the app can say no, so a development `.env` copied onto a server (an image, an
rsync of the checkout) would quietly turn production into development. This command reads
the process environment and nothing else. Also runs as `python -m {{ cookiecutter.project_slug }}`.
"""

from __future__ import annotations

from flask.cli import FlaskGroup

from . import create_app


def main() -> None:
    FlaskGroup(
        name="{{ cookiecutter.project_slug | replace('_', '-') }}",
        help="The production command line: the `flask` commands, never reading .env.",
        create_app=create_app,
        load_dotenv=False,  # never .env / .flaskenv: production reads its environment only
        set_debug_flag=False,
    ).main()


if __name__ == "__main__":
    main()
