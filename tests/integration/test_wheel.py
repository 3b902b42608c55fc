"""nicu_milk runs from a wheel (`pip install .`), not only from its source tree.

templates/ and labels/ stay at the top of the repository; the wheel carries copies inside the
package. The wheel is installed into a fresh virtual environment outside the repository (its
dependencies reused from this one, so nothing is downloaded), and run from another folder:
the schema is made with `flask --app wsgi init-db`, a demo unit loaded, a page rendered and a
label PDF printed.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

RUN_THE_INSTALLED_APP = textwrap.dedent(
    """
    import io, json, sys
    from pathlib import Path

    import nicu_milk
    import wsgi

    # The installed copy, not the source tree.
    assert "site-packages" in nicu_milk.__file__, nicu_milk.__file__
    app = wsgi.app
    assert "_share" in app.template_folder, app.template_folder
    client = app.test_client()
    login = client.get("/login")
    assert login.status_code == 200, login.status_code
    page = login.get_data(as_text=True)
    assert "Username or staff badge" in page and "app.css" in page
    assert client.get("/static/app.css").status_code == 200

    answer = client.post(
        "/api/v1/auth/token", json={"username": "nurse", "password": "nicu-demo-2026"}
    )
    assert answer.status_code == 200, answer.get_json()
    bearer = {"Authorization": "Bearer " + answer.get_json()["token"]}
    babies = client.get("/api/v1/infants", headers=bearer).get_json()["infants"]
    mrn = babies[0]["mrn"]
    listed = client.get(f"/api/v1/infants/{mrn}/containers", headers=bearer)
    assert listed.status_code == 200, listed.get_json()
    code = listed.get_json()["containers"][0]["code"]
    label = client.get(f"/api/v1/containers/{code}/label.pdf", headers=bearer)
    assert label.status_code == 200, label.get_data(as_text=True)[:500]
    assert label.mimetype == "application/pdf" and label.data.startswith(b"%PDF")
    print(json.dumps({"page": len(page), "label": len(label.data), "code": code}))
    """
)


def _run(command: list[str], cwd: Path, env: dict, timeout: int = 300):
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done


def test_a_wheel_installed_elsewhere_serves_pages_and_prints_labels(tmp_path):
    wheels = tmp_path / "wheels"
    _run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation"]
        + ["--quiet", "--wheel-dir", str(wheels)],
        cwd=tmp_path,
        env=os.environ.copy(),
    )
    [wheel] = wheels.glob("nicu_milk-*.whl")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path, env=os.environ.copy())
    python = venv / "bin" / "python"
    # This environment's dependencies, after the new one's own site-packages: nothing to
    # download, and the package itself comes only from the wheel.
    fresh_site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True,
        ).strip()
    )
    (fresh_site / "reused_dependencies.pth").write_text(
        "\n".join([sysconfig.get_paths()["purelib"], *site.getsitepackages()]) + "\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NICU_MILK_", "PYTHON"))}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        cwd=elsewhere,
        env=env,
    )

    env.update(
        NICU_MILK_DATABASE_URL=f"sqlite:///{tmp_path / 'unit.sqlite'}",
        NICU_MILK_SECRET_KEY="wheel-test-" + "k" * 40,
        NICU_MILK_TIMEZONE="America/Chicago",
    )
    flask = [str(python), "-m", "flask", "--app", "wsgi"]
    _run([*flask, "init-db"], cwd=elsewhere, env=env)
    _run([*flask, "demo-data"], cwd=elsewhere, env=env)
    ran = _run([str(python), "-c", RUN_THE_INSTALLED_APP], cwd=elsewhere, env=env)
    assert '"label"' in ran.stdout
    # Nothing was written into the repository, nor read from it.
    assert not (ROOT / "nicu_milk" / "_share").exists()
