"""Installs do not drift and the app asks nothing of other machines: the lock covers every dependency,
Streamlit is bounded below its next major version, no icon or asset comes from outside, and `make run`
serves this machine only unless told otherwise (and warns when it is)."""
from __future__ import annotations

import os
import re
import subprocess
import tomllib

from tests.app_helpers import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCK = (ROOT / "requirements.lock").read_text(encoding="utf-8")


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _locked() -> dict[str, str]:
    return {m.group(1).lower(): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+)", LOCK, re.MULTILINE)}


def test_every_dependency_of_the_project_is_in_the_lock():
    wanted = PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["test"]
    missing = [r for r in wanted if _name(r) not in _locked()]
    assert not missing, f"not in requirements.lock (run `make lock`): {missing}"


def test_every_locked_package_is_pinned_with_a_hash():
    blocks = re.split(r"\n(?=[A-Za-z0-9])", LOCK.split("\n", 2)[2])
    for block in blocks:
        if block.strip() and not block.startswith("#"):
            assert "==" in block.splitlines()[0] and "--hash=sha256:" in block, block.splitlines()[0]


def test_streamlit_is_bounded_below_its_next_major_version():
    spec = next(r for r in PYPROJECT["project"]["dependencies"] if _name(r) == "streamlit")
    assert re.search(r"<\s*2(\.0)*\b", spec), spec
    assert _locked()["streamlit"].startswith("1.")


def test_make_install_installs_from_the_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--require-hashes -r $(LOCK)" in makefile and "--no-deps -e ." in makefile
    assert re.search(r"^lock:", makefile, re.MULTILINE)


def test_the_page_icon_is_drawn_locally_not_fetched():
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    icon = re.search(r"page_icon=([^,)]+)", app).group(1)
    # Streamlit turns a ':material/...:' page icon into an address on fonts.gstatic.com
    assert ":material" not in icon and "http" not in icon


def test_the_streamlit_config_names_no_outside_address():
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert not re.search(r"https?://", config)
    assert re.search(r"^gatherUsageStats\s*=\s*false", config, re.MULTILINE)


def _make_run(*overrides: str) -> tuple[str, str]:
    """What `make run` would do (``make -n``, nothing run), with ADDRESS and PORT only as given here:
    the address Streamlit is told to serve on, and what the Makefile's own address check prints to
    stderr when that check (its `case` line, taken from the same output) is run by the shell."""
    env = {k: v for k, v in os.environ.items() if k not in ("ADDRESS", "PORT", "MAKEFLAGS", "MFLAGS")}
    plan = subprocess.run(["make", "-n", "--no-print-directory", "run", *overrides], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True).stdout
    (address,) = re.findall(r"serve\.py .*--server\.address (\S+)", plan)
    (check,) = re.findall(r"^case .*?\besac$", plan, re.MULTILINE | re.DOTALL)
    warned = subprocess.run(["sh", "-c", check], capture_output=True, text=True, check=True)
    assert not warned.stdout
    return address, warned.stderr


def test_make_run_serves_this_machine_only_unless_told_otherwise():
    address, warning = _make_run()
    assert address == "127.0.0.1" and warning == ""
    for local in ("localhost", "127.0.0.2", "::1"):
        assert _make_run(f"ADDRESS={local}") == (local, ""), local


def test_make_run_warns_when_it_serves_other_machines():
    address, warning = _make_run("ADDRESS=0.0.0.0", "PORT=9123")
    assert address == "0.0.0.0"
    assert warning.startswith("warning: serving on 0.0.0.0:9123, reachable from other machines;")
    assert "without [auth] in .streamlit/secrets.toml everyone who can reach it sees every region" in warning
