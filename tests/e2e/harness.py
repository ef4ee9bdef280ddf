"""The e2e tier's plumbing: the built toolchain, a project copy, the real CLI in a subprocess.

Where the toolchain lives: EXO_CBA_E2E_HOME, default <repo>/.e2e (bin/pulumi, bin-old/
pulumi, home/ with the installed plugins), with its environment from
<home>/../e2e/toolchain/env.sh, the one definition of the offline variables
(PULUMI_HOME, no update check, no plugin download, no registry, no ambient plugins).

Every command runs with --non-interactive, its own file backend, the tenant's CA as
SSL_CERT_FILE (the CLI and the Go plugins) and REQUESTS_CA_BUNDLE (exoctl), and the
pipeline's sign-in as the azuread provider documents it (ARM_CLIENT_ID,
ARM_CLIENT_CERTIFICATE_PATH/PASSWORD, ARM_METADATA_HOSTNAME). Each call is timed:
the figures go to <tmp>/timings.json and docs/real-engine.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.fakes import tenant_seed as seed

if TYPE_CHECKING:
    from tests.fakes.tenant import Tenant

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HOME_VARIABLE = "EXO_CBA_E2E_HOME"
VENV_VARIABLE = "EXO_CBA_E2E_VENV"
PINS = Path("e2e") / "requirements-e2e.txt"
# What the program registers and the provider plugins the engine must find.
PLUGINS = ("azuread", "tls")
# Variables of the caller that would point the CLI, a plugin or exoctl elsewhere.
_INHERITED_PREFIXES = ("PULUMI_", "ARM_", "AZURE_", "EXO_CBA_", "REQUESTS_CA_BUNDLE")
PROJECT_FILES = ("Pulumi.yaml", "__main__.py")
PROJECT_DIRS = ("components", "policy")


class ToolchainMissing(Exception):
    pass


def e2e_home() -> Path:
    return Path(os.environ.get(HOME_VARIABLE) or PROJECT_ROOT / ".e2e").resolve()


def pinned(pins: Path) -> dict[str, str]:
    """`name==version` lines of a requirements file (comments and -r lines skipped)."""
    found = {}
    for line in pins.read_text().splitlines():
        requirement = line.split("#", 1)[0].strip()
        if "==" in requirement:
            name, version = requirement.split("==", 1)
            found[name.strip().lower()] = version.strip()
    return found


def program_venv(home: Path) -> Path:
    """The virtualenv the program and the policy pack run in.

    EXO_CBA_E2E_VENV if set; else this interpreter's when it has the versions the
    toolchain pins (e2e/requirements-e2e.txt: each provider package asks the engine for
    exactly its own plugin version); else <home>/venv, made from those pins.
    """
    from importlib import metadata

    if os.environ.get(VENV_VARIABLE):
        return Path(os.environ[VENV_VARIABLE]).resolve()
    pins = home.parent / PINS
    wanted = pinned(pins) if pins.is_file() else {}

    def installed(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    if all(installed(name) == version for name, version in wanted.items()):
        return Path(sys.prefix).resolve()
    venv = home / "venv"
    if not (venv / "bin" / "python").is_file():
        raise ToolchainMissing(
            f"{pins} pins {wanted}: create {venv} with `python3 -m venv {venv} && "
            f"{venv}/bin/pip install -r {pins}`, or set {VENV_VARIABLE}"
        )
    return venv


def toolchain_environment(home: Path, venv: Path, backend: Path, old: bool = False) -> dict:
    """The process environment env.sh defines, over a clean copy of ours."""
    script = home.parent / "e2e" / "toolchain" / "env.sh"
    for needed in (script, home / "bin" / "pulumi"):
        if not needed.exists():
            raise ToolchainMissing(
                f"{needed} is missing: build the toolchain first (e2e/toolchain/build.sh, "
                f"or set {HOME_VARIABLE})"
            )
    base = {k: v for k, v in os.environ.items() if not k.startswith(_INHERITED_PREFIXES)}
    command = f'eval "$(bash {script} {"--old" if old else ""})" && env -0'
    result = subprocess.run(
        ["bash", "-c", command],
        env={**base, "E2E_BACKEND_DIR": str(backend), "E2E_VENV": str(venv)},
        capture_output=True,
        check=True,
    )
    pairs = (item.split("=", 1) for item in result.stdout.decode().split("\0") if "=" in item)
    return dict(pairs)


def plugin_home(home: Path, target: Path, env: dict[str, str]) -> dict[str, str]:
    """A PULUMI_HOME of the session's own, holding the toolchain's plugins: the CLI writes
    into its home (plugin use stamps, workspaces, logs), the toolchain's stays as built."""
    missing = [p for p in PLUGINS if not list((home / "home" / "plugins").glob(f"resource-{p}-v*"))]
    if missing:
        raise ToolchainMissing(
            f"{home / 'home' / 'plugins'} has no {', '.join(missing)} plugin: build and install "
            "the toolchain first (e2e/toolchain/build.sh)"
        )

    def link(source: str, destination: str) -> None:
        # The CLI does not follow symlinked plugin folders: hard links where it can.
        try:
            os.link(source, destination)
        except OSError:
            shutil.copy2(source, destination)

    (target / "plugins").mkdir(parents=True)
    for entry in (home / "home" / "plugins").iterdir():
        if entry.is_dir():
            shutil.copytree(entry, target / "plugins" / entry.name, copy_function=link)
        else:
            shutil.copy2(entry, target / "plugins" / entry.name)  # locks, use stamps: ours
    return {**env, "PULUMI_HOME": str(target)}


def copy_project(target: Path, venv: Path, required_version: bool = True) -> Path:
    """The program, its Pulumi.yaml and the policy pack, with both virtualenvs linked in.

    Stack files are the test's own: the repo's example stack is not copied. With
    `required_version` False, Pulumi.yaml loses its requiredPulumiVersion, as every
    CLI older than that key reads it (it ignores the key).
    """
    target.mkdir(parents=True)
    for name in PROJECT_FILES:
        shutil.copy2(PROJECT_ROOT / name, target / name)
    for name in PROJECT_DIRS:
        shutil.copytree(
            PROJECT_ROOT / name,
            target / name,
            ignore=shutil.ignore_patterns("venv", "tests", "__pycache__", ".*"),
        )
    if not required_version:
        text = (target / "Pulumi.yaml").read_text()
        kept = [line for line in text.splitlines() if not line.startswith("requiredPulumiVersion")]
        (target / "Pulumi.yaml").write_text("\n".join(kept) + "\n")
    (target / ".venv").symlink_to(venv)
    (target / "policy" / "venv").symlink_to(venv)
    return target


def tenant_environment(tenant: Tenant) -> dict[str, str]:
    """The stand-in as the CLI and its plugins reach it; the deployer as a pipeline signs in."""
    return {
        "SSL_CERT_FILE": str(tenant.ca_bundle),
        "REQUESTS_CA_BUNDLE": str(tenant.ca_bundle),
        "ARM_METADATA_HOSTNAME": tenant.metadata_host,
        "ARM_CLIENT_ID": seed.DEPLOY_APP_ID,
        "ARM_CLIENT_CERTIFICATE_PATH": str(tenant.deployer.pfx),
        "ARM_CLIENT_CERTIFICATE_PASSWORD": tenant.deployer.password,
        "ARM_USE_CLI": "false",
    }


@dataclass
class Timing:
    command: str
    seconds: float
    code: int


@dataclass
class Result:
    args: list[str]
    code: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return f"{self.stdout}\n{self.stderr}"

    def json(self) -> Any:
        return json.loads(self.stdout)


class CommandFailed(AssertionError):
    pass


@dataclass
class Runner:
    """Runs the real CLI (or exoctl) in a project directory with the tier's environment."""

    env: dict[str, str]
    cwd: Path
    timings: list[Timing] = field(default_factory=list)

    def run(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        check: bool = True,
        timeout: float = 900,
        cwd: Path | None = None,
    ) -> Result:
        started = time.monotonic()
        process = subprocess.run(
            list(args),
            cwd=cwd or self.cwd,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        label = " ".join(a for a in args[:4] if not a.startswith("/"))
        self.timings.append(Timing(label, round(time.monotonic() - started, 2), process.returncode))
        result = Result(list(args), process.returncode, process.stdout, process.stderr)
        if check and process.returncode != 0:
            raise CommandFailed(
                f"{' '.join(args)} exited {process.returncode}\n--- stdout\n"
                f"{process.stdout[-6000:]}\n--- stderr\n{process.stderr[-6000:]}"
            )
        return result

    def pulumi(self, *args: str, **kwargs: Any) -> Result:
        return self.run("pulumi", "--non-interactive", *args, **kwargs)

    def exoctl(self, *args: str, **kwargs: Any) -> Result:
        return self.run(
            sys.executable,
            "-m",
            "exoctl",
            "--project-dir",
            str(self.cwd),
            *args,
            **kwargs,
            cwd=PROJECT_ROOT,
        )


def read_events(path: Path) -> list[dict[str, Any]]:
    """An engine event log (`--event-log`): one JSON object a line."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def events_of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e[kind] for e in events if kind in e]
