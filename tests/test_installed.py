"""A plain, non-editable install finds its profiles and migrations from outside the checkout."""

import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_runs_from_outside_the_checkout(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
    )
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    lend_dependencies(python)
    wheel = next(wheels.glob("kui-*.whl"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "-q",
            "--force-reinstall",
            str(wheel),
        ],
        check=True,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": ""}
    kui = [str(env_dir / "bin" / "kui"), "--db", str(work / "k.db"), "--today", "2026-11-22"]
    kui += ["--user", "AB"]
    where = subprocess.run(
        [str(python), "-c", "import kui_cli; print(kui_cli.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(ROOT) not in where.stdout
    for profile in ("ishoej", "lejre", "rebild", "soenderborg"):
        done = subprocess.run(
            [*kui, "init", "--profile", profile], cwd=work, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    bootstrap = [
        *kui,
        "staff",
        "add",
        "--initials",
        "AB",
        "--name",
        "Anne Berg",
        "--role",
        "leader",
    ]
    done = subprocess.run([*bootstrap, "--department", "KUI"], cwd=work, env=env, check=False)
    assert done.returncode == 0
    listed = subprocess.run(
        [*kui, "youth", "list", "-f", "json"], cwd=work, env=env, capture_output=True, text=True
    )
    assert listed.returncode == 0 and listed.stdout.strip() == "[]"


def lend_dependencies(python: Path) -> None:
    """Let the new environment import the dependencies of the one running the tests.

    `system_site_packages` is not that: inside a virtualenv (a newcomer's usual setup) it means
    the base interpreter's packages, where typer and the rest are not installed. The running
    environment's site folders go on the new one's path as plain entries, so their .pth files
    (an editable install of kui among them) are not run and the wheel's kui_cli is the one found.
    """
    folders = list(dict.fromkeys(site.getsitepackages()))
    if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        folders.append(site.getusersitepackages())
    asked = [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
    purelib = subprocess.run(asked, capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "_outer_dependencies.pth").write_text("\n".join(folders) + "\n")
