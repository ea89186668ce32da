"""A plain, non-editable install finds its profiles and migrations from outside the checkout."""

import os
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
    venv.create(env_dir, system_site_packages=True, with_pip=False)
    python = env_dir / "bin" / "python"
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
