"""Bake a named matrix of answer combinations and check what each one writes.

Every option value appears at least once. Each combination is baked once per session
for the quick checks; the slow test bakes its own copy, installs it from its own lock
into an environment of its own and runs the baked project's own test suite.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import (
    TEMPLATE,
    BakedProject,
    bake_into,
    baked_env,
    lint_imports,
    project_venv,
    venv_env,
)

MATRIX: dict[str, dict[str, str]] = {
    "defaults": {},
    "postgresql-everything": {
        "database": "postgresql",
        "license": "Apache-2.0",
        "project_name": "Team Planner",
        "scopes": "read:projects write:projects read:tasks write:tasks",
    },
    "sqlite-bare": {
        "include_sandbox": "no",
        "include_flow_inspector": "no",
        "project_slug": "bare_tasks",
        "license": "Proprietary",
        "homepage_url": "https://bare.example.org/",
        # Under a path prefix: the app serves its callback at /callback (DESIGN §5), and a
        # prefix before it is an app its proxy mounts under a path (tested in every bake by
        # tests/integration/test_mounted_under_a_path.py); any other path is refused.
        "redirect_uri": "https://bare.example.org/fsckmsft/callback",
    },
    "postgresql-no-sandbox": {
        "database": "postgresql",
        "license": "BSD-3-Clause",
        "include_sandbox": "no",
        # An undocumented scope alone: no documented API call is granted. The connect-flow and
        # browser tests adapt to the granted scopes; the tests of the token machinery run the
        # app requesting the API's scopes (tests/helpers/app.py, requesting_api_scopes).
        "scopes": "read:tasks",
    },
    "sqlite-sandbox-no-inspector": {
        "include_flow_inspector": "no",
        "project_name": "Widget Board",
        "scopes": "write:tasks read:projects",
    },
}

# include_sandbox decides what development talks to, never whether the flow is tested:
# every bake ships the emulator and drives the whole flow against it.
EMULATOR_AND_FLOW_TESTS = (
    "sandbox/pyproject.toml",
    "sandbox/fsckmsft_sandbox/testing.py",
    "tests/sandbox/test_sandbox_revocation.py",
    "tests/integration/test_connect_flow.py",
    "tests/integration/test_callback_security.py",
    "tests/integration/test_refresh.py",
    "tests/integration/test_refresh_races.py",
    "tests/integration/test_refresher.py",
    "tests/integration/test_refresher_processes.py",
    "tests/e2e/test_browser_flow.py",
    "tests/helpers/flow.py",
    "tests/marketplace/test_live.py",
)
SANDBOX_DEVELOPMENT_PATHS = ("docs/sandbox.md",)
INSPECTOR_PATHS = (
    "src/{slug}/inspector",
    "tests/inspector",
    "docs/screenshots/06-inspector.png",
    "docs/screenshots/07-sequence-diagram.png",
)
# What a person reads about the project: every one must match the answers.
SHOWN_TO_PEOPLE = ("README.md", "Makefile", ".env.example", "marketplace/REVIEWER.md", "docs")
# Developing against the sandbox, in words a bake without it must never say.
SANDBOX_DEVELOPMENT_PHRASES = ("flask sandbox", "run the sandbox", "sandbox and the app", "127.0.0.1:8001")
INSPECTOR_PHRASES = ("/inspector", "flow inspector", "06-inspector", "07-sequence-diagram")

# Jinja syntax that must never survive rendering. Files copied without rendering (the
# app's Jinja templates) legitimately contain {{ }} and {% %}: for them only a leftover
# `cookiecutter.<answer>` counts. GitHub workflows are rendered; their own `${{ … }}`
# expressions (written inside {% raw %}) are the only {{ }} they may keep.
UNRENDERED = re.compile(r"\{\{|\{%|%\}|cookiecutter\.(?!json\b)\w")
COPIED_WITHOUT_RENDER = re.compile(r"cookiecutter\.(?!json\b)\w")
GITHUB_EXPRESSION = re.compile(r"\$\{\{[^{}]*\}\}")


WITHOUT_SANDBOX = [name for name, answers in MATRIX.items() if answers.get("include_sandbox") == "no"]
WITHOUT_INSPECTOR = [
    name for name, answers in MATRIX.items() if answers.get("include_flow_inspector") == "no"
]


@pytest.fixture(scope="session")
def matrix_bakes(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], BakedProject]:
    """`matrix_bakes(name)`: that combination, baked once per session."""
    done: dict[str, BakedProject] = {}

    def bake_named(name: str) -> BakedProject:
        if name not in done:
            done[name] = bake_into(tmp_path_factory.mktemp("matrix"), MATRIX[name])
        return done[name]

    return bake_named


@pytest.fixture(params=MATRIX.keys())
def baked(request: pytest.FixtureRequest, matrix_bakes: Callable[[str], BakedProject]) -> BakedProject:
    return matrix_bakes(request.param)


def option(project: BakedProject, name: str) -> str:
    """The answer `project` was baked with: given, or cookiecutter.json's default."""
    if name in project.answers:
        return project.answers[name]
    default = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))[name]
    return default[0] if isinstance(default, list) else default


def text_files(project: BakedProject) -> list[tuple[Path, str]]:
    found = []
    for relative in project.files():
        try:
            found.append((relative, (project.path / relative).read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue  # binary (icons, screenshots)
    return found


def copied_without_render(relative: Path) -> bool:
    return relative.suffix == ".html"


def test_no_unrendered_template_syntax(baked: BakedProject) -> None:
    leftovers = []
    for relative, text in text_files(baked):
        pattern = COPIED_WITHOUT_RENDER if copied_without_render(relative) else UNRENDERED
        if relative.parts[:2] == (".github", "workflows"):
            text = GITHUB_EXPRESSION.sub("", text)
        for number, line in enumerate(text.splitlines(), start=1):
            if pattern.search(line):
                leftovers.append(f"{relative}:{number}: {line.strip()}")
    assert not leftovers, "unrendered template syntax:\n" + "\n".join(leftovers)


def test_no_template_placeholders_in_paths(baked: BakedProject) -> None:
    assert not [path for path in baked.files() if "{{" in str(path) or "cookiecutter" in str(path)]


def test_package_is_named_after_the_slug(baked: BakedProject) -> None:
    assert baked.has_file(f"src/{baked.slug}/__init__.py")
    assert baked.file_contains(".flaskenv", f"FLASK_APP={baked.slug}")
    if "project_slug" in baked.answers:
        assert baked.slug == baked.answers["project_slug"]


def test_every_bake_ships_the_emulator_and_the_flow_tests(baked: BakedProject) -> None:
    missing = [path for path in EMULATOR_AND_FLOW_TESTS if not baked.has_file(path)]
    assert not missing, f"pruned though every bake tests the flow against the emulator: {missing}"


def test_every_bake_has_the_same_flow_tests(
    baked: BakedProject, matrix_bakes: Callable[[str], BakedProject]
) -> None:
    reference = matrix_bakes("defaults")  # the sandbox for development
    flow_tests = ("tests/integration", "tests/e2e", "tests/sandbox", "tests/helpers")
    # Tests of what development against the sandbox offers (docs/sandbox.md, `flask sandbox`).
    development_only = {
        Path("tests/sandbox/test_sandbox_walkthrough.py"),
        Path("tests/sandbox/test_flask_sandbox_command.py"),
    }

    def tests_of(project: BakedProject) -> set[Path]:
        inspector_helper = Path("tests/helpers/inspector.py")
        return {
            path
            for path in project.files()
            if str(path).startswith(flow_tests)
            and path not in {*development_only, inspector_helper}
        }

    assert tests_of(baked) == tests_of(reference)


def test_sandbox_development_files_follow_the_answer(baked: BakedProject) -> None:
    expect_present = option(baked, "include_sandbox") == "yes"
    assert_paths(baked, SANDBOX_DEVELOPMENT_PATHS, expect_present)


def shown_to_people(project: BakedProject) -> list[tuple[Path, str]]:
    return [
        (relative, text)
        for relative, text in text_files(project)
        if str(relative).startswith(SHOWN_TO_PEOPLE)
    ]


@pytest.mark.parametrize("name", WITHOUT_SANDBOX)
def test_no_sandbox_bake_never_tells_people_to_develop_against_it(
    name: str, matrix_bakes: Callable[[str], BakedProject]
) -> None:
    baked = matrix_bakes(name)
    said = [
        f"{relative}: {phrase!r}"
        for relative, text in shown_to_people(baked)
        for phrase in SANDBOX_DEVELOPMENT_PHRASES
        if phrase in text
    ]
    assert not said, "a bake without the sandbox talks about developing against it:\n" + "\n".join(said)


@pytest.mark.parametrize("name", WITHOUT_INSPECTOR)
def test_no_inspector_bake_never_shows_the_inspector(
    name: str, matrix_bakes: Callable[[str], BakedProject]
) -> None:
    baked = matrix_bakes(name)
    said = [
        f"{relative}: {phrase!r}"
        for relative, text in shown_to_people(baked)
        for phrase in INSPECTOR_PHRASES
        if phrase in text
    ]
    assert not said, "a bake without the inspector shows it:\n" + "\n".join(said)


def flask_help(project: BakedProject, *command: str) -> str:
    """`flask [command] --help` in the baked project, its package imported from src/."""
    result = project.run(
        [sys.executable, "-m", "flask", *command, "--help"],
        env=baked_env(PYTHONPATH=str(project.path / "src")),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_flask_commands_follow_the_sandbox_answer(baked: BakedProject) -> None:
    commands = flask_help(baked)
    dev = flask_help(baked, "dev")
    if option(baked, "include_sandbox") == "yes":
        assert re.search(r"^  sandbox ", commands, flags=re.MULTILINE), commands
        assert "--sandbox-port" in dev
    else:
        assert not re.search(r"^  sandbox ", commands, flags=re.MULTILINE), commands
        assert "sandbox" not in dev.lower(), dev


def test_inspector_files_follow_the_answer(baked: BakedProject) -> None:
    expect_present = option(baked, "include_flow_inspector") == "yes"
    paths = tuple(path.format(slug=baked.slug) for path in INSPECTOR_PATHS)
    assert_paths(baked, paths, expect_present)


def assert_paths(project: BakedProject, paths: tuple[str, ...], expect_present: bool) -> None:
    """Pruned paths must be gone; kept ones present wherever the template has them."""
    for relative in paths:
        if expect_present:
            if in_template(relative, project.slug):
                assert project.has_file(relative), f"{relative} missing though chosen"
        else:
            assert not project.has_file(relative), f"{relative} left behind though not chosen"


def in_template(relative: str, slug: str) -> bool:
    source = relative.replace(slug, "{{cookiecutter.project_slug}}")
    return (TEMPLATE / "{{cookiecutter.project_slug}}" / source).exists()


def test_ruff_is_clean_with_the_projects_own_config(baked: BakedProject) -> None:
    ruff = Path(sys.executable).parent / "ruff"
    result = baked.run([str(ruff), "check", "--no-cache", "."], env=baked_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_leaves_every_file_as_it_is(baked: BakedProject) -> None:
    """`make lint` and the generated CI run `ruff format --check`: a fresh bake passes it."""
    ruff = Path(sys.executable).parent / "ruff"
    result = baked.run([str(ruff), "format", "--check", "--no-cache", "."], env=baked_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_layer_contracts_hold(baked: BakedProject) -> None:
    result = lint_imports(baked)
    assert result.returncode == 0, result.stdout + result.stderr


def test_architecture_doc_names_every_contract_and_only_baked_parts(baked: BakedProject) -> None:
    doc = baked.read("docs/architecture.md")
    contracts = tomllib.loads(baked.read("pyproject.toml"))["tool"]["importlinter"]["contracts"]
    assert contracts
    for contract in contracts:
        assert f"**{contract['name']}**" in doc, f"docs/architecture.md misses {contract['name']!r}"
    if option(baked, "include_flow_inspector") == "no":
        assert "inspector" not in doc.lower()
    assert baked.file_contains("README.md", "(docs/architecture.md)")


def test_mypy_is_clean_with_the_projects_own_config(baked: BakedProject) -> None:
    mypy = Path(sys.executable).parent / "mypy"
    result = baked.run([str(mypy), "--no-incremental"], env=baked_env(), timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_import_is_declared_and_every_dependency_used(baked: BakedProject) -> None:
    deptry = str(Path(sys.executable).parent / "deptry")
    for command in ([deptry, "."], [deptry, "sandbox", "--config", "sandbox/pyproject.toml"]):
        result = baked.run(command, env=baked_env())
        assert result.returncode == 0, " ".join(command[1:]) + "\n" + result.stdout + result.stderr


def test_every_python_file_compiles(baked: BakedProject) -> None:
    for relative, text in text_files(baked):
        if relative.suffix == ".py":
            compile(text, str(relative), "exec")


def test_pyproject_parses_and_names_the_project(baked: BakedProject) -> None:
    pyproject = tomllib.loads(baked.read("pyproject.toml"))
    assert pyproject["project"]["name"] == baked.slug.replace("_", "-")
    assert pyproject["project"]["description"] == option(baked, "description")
    assert "dev" in pyproject["project"]["optional-dependencies"]


def test_postgresql_choice_brings_its_driver(baked: BakedProject) -> None:
    dependencies = " ".join(tomllib.loads(baked.read("pyproject.toml"))["project"]["dependencies"])
    assert ("psycopg" in dependencies) == (option(baked, "database") == "postgresql")


def test_every_yaml_file_parses(baked: BakedProject) -> None:
    for relative, text in text_files(baked):
        if relative.suffix in {".yml", ".yaml"}:
            list(yaml.safe_load_all(text))


SCHEMAS = Path(__file__).parent / "fixtures" / "schemas"  # SchemaStore's, vendored: README there


def github_yaml(project: BakedProject, relative: str) -> dict[str, Any]:
    """A GitHub YAML file as GitHub reads it: `on` is a key, not YAML 1.1's boolean true."""
    data = yaml.safe_load(project.read(relative))
    if True in data:
        data["on"] = data.pop(True)
    return data


def schema_errors(document: dict[str, Any], schema_file: str) -> list[str]:
    schema = json.loads((SCHEMAS / schema_file).read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(document)]


def ci(project: BakedProject) -> dict[str, Any]:
    return github_yaml(project, ".github/workflows/ci.yml")


def test_ci_workflow_is_valid_for_github(baked: BakedProject) -> None:
    assert not schema_errors(ci(baked), "github-workflows.json")


def test_ci_names_the_project_it_was_rendered_for(baked: BakedProject) -> None:
    assert baked.read(".github/workflows/ci.yml").startswith(f"# {baked.slug}:")


def test_ci_tests_every_supported_python(baked: BakedProject) -> None:
    versions = ci(baked)["jobs"]["test"]["strategy"]["matrix"]["python-version"]
    assert versions == ["3.11", "3.12", "3.13"]
    requires = tomllib.loads(baked.read("pyproject.toml"))["project"]["requires-python"]
    assert requires == f">={versions[0]}", "CI must test the oldest Python the project accepts"


def test_ci_cancels_obsolete_runs_and_bounds_every_job(baked: BakedProject) -> None:
    workflow = ci(baked)
    assert workflow["concurrency"]["cancel-in-progress"] is True
    assert "github.ref" in workflow["concurrency"]["group"]
    for name, job in workflow["jobs"].items():
        assert 0 < job.get("timeout-minutes", 0) <= 60, f"job {name} has no timeout"


def test_ci_uses_the_runners_browser_and_a_real_postgresql(baked: BakedProject) -> None:
    text = baked.read(".github/workflows/ci.yml")
    assert "playwright install" not in text, "CI must not download a browser"
    test_job = ci(baked)["jobs"]["test"]
    assert test_job["env"]["E2E_CHROMIUM"].startswith("/usr/bin/")
    assert test_job["env"]["CI"] == "true"  # PostgreSQL and browser tests fail, never skip
    assert "postgres" in test_job["services"]
    # The variable CI sets is the one the browser fixtures read.
    assert baked.file_contains("tests/helpers/browser.py", 'os.environ.get("E2E_CHROMIUM"')


def run_steps(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_ci_installs_from_the_lock(baked: BakedProject) -> None:
    for name, job in ci(baked)["jobs"].items():
        steps = run_steps(job)
        assert "pip install --require-hashes -r requirements-dev.txt" in steps, name
        assert "pip install --no-deps -e . -e ./sandbox" in steps, name


def test_ci_lints_as_make_lint_does(baked: BakedProject) -> None:
    lint_recipe = baked.read("Makefile").split("\nlint:", 1)[1].split("\n\n", 1)[0]
    commands = [line.strip().removeprefix("$(BIN)/") for line in lint_recipe.splitlines()[1:]]
    assert commands, "make lint has no commands"
    steps = run_steps(ci(baked)["jobs"]["lint"])
    missing = [command for command in commands if command not in steps]
    assert not missing, f"CI does not run what `make lint` runs: {missing}"


# What each licence answer writes: pyproject's SPDX expression and words only its text has.
LICENCES = {
    "MIT": ("MIT", "Permission is hereby granted, free of charge"),
    "BSD-3-Clause": ("BSD-3-Clause", "Neither the name of the copyright holder"),
    "Apache-2.0": ("Apache-2.0", "Apache License\n                           Version 2.0"),
    "Proprietary": ("LicenseRef-Proprietary", "All rights reserved."),
}


def test_licence_follows_the_answer(baked: BakedProject) -> None:
    spdx, words = LICENCES[option(baked, "license")]
    project = tomllib.loads(baked.read("pyproject.toml"))["project"]
    assert project["license"] == spdx
    assert project["license-files"] == ["LICENSE"]
    assert words in baked.read("LICENSE")
    if option(baked, "license") != "Apache-2.0":  # Apache's text names no holder
        assert option(baked, "author_name") in baked.read("LICENSE")


def test_pre_commit_runs_the_formatter_linter_and_schema_checks(baked: BakedProject) -> None:
    config = yaml.safe_load(baked.read(".pre-commit-config.yaml"))
    hooks = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff", "ruff-format", "check-yaml", "check-github-workflows"} <= hooks
    ruff_locked = re.search(r"^ruff==(\S+)", baked.read("requirements-dev.txt"), flags=re.MULTILINE)
    ruff_hook = next(repo for repo in config["repos"] if repo["repo"].endswith("/ruff-pre-commit"))
    assert ruff_locked and ruff_hook["rev"] == f"v{ruff_locked[1]}", "pre-commit's ruff != the lock's"


def test_editors_share_one_configuration(baked: BakedProject) -> None:
    assert baked.file_contains(".editorconfig", "root = true")


def test_template_has_a_licence_and_a_versioned_changelog() -> None:
    assert "MIT License" in (TEMPLATE / "LICENSE").read_text(encoding="utf-8")
    changelog = (TEMPLATE / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(r"^## \[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}$", changelog, flags=re.MULTILINE)


def test_dependabot_updates_python_and_actions(baked: BakedProject) -> None:
    config = github_yaml(baked, ".github/dependabot.yml")
    assert not schema_errors(config, "dependabot.json")
    ecosystems = {update["package-ecosystem"] for update in config["updates"]}
    assert ecosystems == {"pip", "github-actions"}


def test_manifest_carries_the_answers(baked: BakedProject) -> None:
    registration = tomllib.loads(baked.read("marketplace/manifest.toml"))["registration"]
    assert registration["name"] == option(baked, "project_name")
    assert registration["description"] == option(baked, "description")
    assert registration["homepage_url"] == option(baked, "homepage_url")
    assert registration["redirect_uris"] == [option(baked, "redirect_uri")]
    assert registration["scopes"] == option(baked, "scopes").split()


def test_dotenv_matches_the_database_choice(baked: BakedProject) -> None:
    scheme = "postgresql" if option(baked, "database") == "postgresql" else "sqlite"
    assert baked.file_contains(".env", f"DATABASE_URL={scheme}")


@pytest.mark.slow
@pytest.mark.parametrize("answers", MATRIX.values(), ids=MATRIX.keys())
def test_baked_projects_own_suite_passes(answers: dict[str, str], tmp_path: Path) -> None:
    project = bake_into(tmp_path / "bake", answers)
    bin_folder = project_venv(project, tmp_path)
    passthrough = {name: os.environ[name] for name in ("CI", "TEST_POSTGRES_URL") if name in os.environ}
    result = project.run(
        [str(bin_folder / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        env=venv_env(bin_folder, **passthrough),
        timeout=1500,
    )
    output = result.stdout + result.stderr
    print(output[-4000:])
    assert result.returncode == 0, f"baked suite failed (exit {result.returncode}):\n{output[-8000:]}"
