"""A Python client generated from the served document, the way an app team would make one: any
warning of the generator (a model dropped, an unsupported schema) fails the suite."""

import asyncio
import re
import subprocess
import sys
from pathlib import Path

from httpx import AsyncClient

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
# The generator has no YAML bodies: the course import's YAML variant is a file upload to it.
# No post hooks (formatters): the test is about the document, and stays fast.
CONFIG = "content_type_overrides:\n  application/yaml: application/octet-stream\npost_hooks: []\n"


def generate(document: Path, config: Path, output: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(GENERATOR),
            "generate",
            f"--path={document}",
            f"--config={config}",
            f"--output-path={output}",
            "--meta=none",
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        check=False,
    )


async def test_a_generated_python_client_has_no_warnings_and_clean_names(
    client: AsyncClient, tmp_path: Path
) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document, config = tmp_path / "openapi.json", tmp_path / "config.yaml"
    document.write_bytes(response.content)
    config.write_text(CONFIG)
    output = tmp_path / "client"

    run = await asyncio.to_thread(generate, document, config, output)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout, run.stdout
    models = {path.stem for path in (output / "models").glob("*.py")}
    assert {"lesson_out", "quiz_out", "product_page", "voucher_page"} <= models
    assert [m for m in models if re.search(r"_type_[1-9]", m)] == []  # nullable enums: _type_0
    assert [m for m in models if m.startswith("page_")] == []
