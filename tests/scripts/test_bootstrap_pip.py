"""scripts/bootstrap_pip.py picks pip's universal wheel and checks what it downloads."""

from __future__ import annotations

import hashlib
import importlib.util

import pytest
from django.conf import settings

spec = importlib.util.spec_from_file_location(
    "bootstrap_pip", settings.BASE_DIR / "scripts" / "bootstrap_pip.py"
)
bootstrap_pip = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bootstrap_pip)


def release(*files: dict) -> dict:
    return {"info": {"version": "26.3"}, "urls": list(files)}


SDIST = {
    "packagetype": "sdist",
    "filename": "pip-26.3.tar.gz",
    "url": "https://files.pythonhosted.org/packages/pip-26.3.tar.gz",
    "digests": {"sha256": "1" * 64},
}
WHEEL = {
    "packagetype": "bdist_wheel",
    "filename": "pip-26.3-py3-none-any.whl",
    "url": "https://files.pythonhosted.org/packages/pip-26.3-py3-none-any.whl",
    "digests": {"sha256": "2" * 64},
}


def test_latest_wheel_skips_the_sdist():
    assert bootstrap_pip.latest_wheel(release(SDIST, WHEEL)) == (
        "pip-26.3-py3-none-any.whl",
        "https://files.pythonhosted.org/packages/pip-26.3-py3-none-any.whl",
        "2" * 64,
    )


def test_latest_wheel_resolves_urls_relative_to_the_json_document():
    relative = WHEEL | {"url": "../../packages/pip-26.3-py3-none-any.whl"}

    _, url, _ = bootstrap_pip.latest_wheel(release(relative))

    assert url == "https://pypi.org/packages/pip-26.3-py3-none-any.whl"


def test_latest_wheel_without_a_wheel_says_so():
    with pytest.raises(LookupError, match="no py3-none-any wheel in pip 26.3"):
        bootstrap_pip.latest_wheel(release(SDIST))


def test_download_refuses_a_file_whose_hash_differs(tmp_path):
    source = tmp_path / "pip.whl"
    source.write_bytes(b"not the wheel PyPI published")
    target = tmp_path / "downloaded.whl"

    with pytest.raises(ValueError, match="does not match"):
        bootstrap_pip.download(source.as_uri(), "0" * 64, target)
    assert not target.exists()

    bootstrap_pip.download(source.as_uri(), hashlib.sha256(source.read_bytes()).hexdigest(), target)
    assert target.read_bytes() == source.read_bytes()
