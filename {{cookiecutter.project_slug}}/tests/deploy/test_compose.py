"""The container recipe runs the Procfile's commands; compose.yaml is sound.

No container runtime exists where this template is developed, so the image is never
built here (Dockerfile and compose.yaml say so). What can be checked is checked: the
compose file parses, names the four services, starts each with the command the Procfile
names (tests/deploy/test_procfile.py runs those for real), and the image is multi-stage,
installs the wheel and runs as a user other than root.
"""

from __future__ import annotations

import json
import shlex

import yaml

from tests.helpers.app import PROJECT_ROOT

COMMAND = "{{ cookiecutter.project_slug | replace('_', '-') }}"


def procfile() -> dict[str, list[str]]:
    lines = (PROJECT_ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    return {
        name: shlex.split(command)
        for name, _, command in (line.partition(": ") for line in lines if line.strip())
    }


def compose() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text(encoding="utf-8"))


def dockerfile() -> list[str]:
    return (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()


def test_compose_runs_postgresql_the_migration_web_and_refresher() -> None:
    services = compose()["services"]
    assert set(services) == {"db", "migrate", "web", "refresher"}
    assert services["db"]["image"].startswith("postgres:")
    for name in ("web", "refresher"):  # both wait for the migration to succeed
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }


def test_each_service_runs_the_command_the_procfile_test_runs() -> None:
    services, processes = compose()["services"], procfile()
    assert services["migrate"]["command"] == processes["release"] == [COMMAND, "db", "upgrade"]
    assert services["web"]["command"] == processes["web"]
    assert services["refresher"]["command"] == processes["refresher"]
    assert services["refresher"]["healthcheck"]["test"][1:4] == [COMMAND, "refresher", "health"]


def test_the_image_serves_the_procfiles_web_command() -> None:
    [cmd] = [line for line in dockerfile() if line.startswith("CMD ")]
    assert json.loads(cmd.removeprefix("CMD ")) == procfile()["web"]


def test_the_image_is_multi_stage_installs_the_wheel_and_is_not_root() -> None:
    lines = dockerfile()
    assert len([line for line in lines if line.startswith("FROM ")]) == 2
    assert any("pip wheel" in line for line in lines)
    assert any("pip install" in line and ".whl" in line for line in lines)
    [user] = [line for line in lines if line.startswith("USER ")]
    assert user.split()[1] not in ("root", "0")


def test_the_extras_argument_reaches_the_stage_that_installs_the_wheel() -> None:
    # A build argument declared inside one stage is empty in the next: it must be global.
    lines = dockerfile()
    first_from = next(i for i, line in enumerate(lines) if line.startswith("FROM "))
    assert any(line.startswith("ARG EXTRAS=") for line in lines[:first_from])
    assert "ARG EXTRAS" in lines[first_from + 1 :]


def test_no_setting_is_written_into_compose_but_read_from_production_env() -> None:
    services = compose()["services"]
    for name in ("migrate", "web", "refresher"):
        assert services[name]["env_file"] == ["production.env"]
        written = services[name].get("environment", {})
        assert not {"SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "FSCKMSFT_CLIENT_SECRET"} & set(written)
