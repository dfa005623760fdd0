"""One build step: the wheel carries the project's migrations and Marketplace manifest.

You edit them where they are, at the project root (`migrations/`, `marketplace/`). A wheel
holds only what lies in the package, so while a wheel is built this copies both folders
into `{{ cookiecutter.project_slug }}/project_files/` inside it. An editable install
(`pip install -e .`) copies nothing: the app reads them straight from the checkout, so an
edit shows at once. `{{ cookiecutter.project_slug }}/paths.py` picks whichever is there.
Everything else about the build is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PACKAGE = "{{ cookiecutter.project_slug }}"
PROJECT_FOLDERS = ("migrations", "marketplace")


class BuildPyWithProjectFiles(build_py):
    """The standard build, plus the project folders copied into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # editable installs read the checkout itself
        target = Path(self.build_lib) / PACKAGE / "project_files"
        for folder in PROJECT_FOLDERS:
            shutil.copytree(
                folder,
                target / folder,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                dirs_exist_ok=True,
            )


setup(cmdclass={"build_py": BuildPyWithProjectFiles})
