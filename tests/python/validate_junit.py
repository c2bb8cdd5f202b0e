"""Validates JUnit XML files against the JUnit schema of Jenkins' xUnit plugin, junit-10.xsd.

The schema is the copy pytest's own test suite validates its JUnit files with: it is taken
from the pytest source distribution on PyPI, pinned by version and by the schema's SHA-256,
and kept in CACHE_DIR.

Usage: validate_junit.py CACHE_DIR FILE...
Prints every violation as FILE: message; exits 1 if there is any.
"""

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import xmlschema

PYTEST = "pytest==8.4.2"
MEMBER = "pytest-8.4.2/testing/example_scripts/junit-10.xsd"
SHA256 = "a1a816f58d1bf95ebabf371994df0b9246dee66ea9572fbec4f9296f1b2c0ff6"


def schema(cache: Path) -> xmlschema.XMLSchema:
    xsd = cache / "junit-10.xsd"
    if not xsd.exists():
        with tempfile.TemporaryDirectory() as download:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                 "--no-deps", "--no-binary", ":all:", PYTEST, "-d", download],
                check=True,
            )
            sdist = next(Path(download).glob("pytest-*.tar.gz"))
            with tarfile.open(sdist) as archive:
                data = archive.extractfile(MEMBER).read()
        digest = hashlib.sha256(data).hexdigest()
        if digest != SHA256:
            sys.exit(f"{MEMBER} has SHA-256 {digest}, not the pinned {SHA256}")
        cache.mkdir(parents=True, exist_ok=True)
        xsd.write_bytes(data)
    return xmlschema.XMLSchema(str(xsd))


def main() -> int:
    cache, files = Path(sys.argv[1]), sys.argv[2:]
    junit = schema(cache)
    invalid = 0
    for file in files:
        for error in junit.iter_errors(file):
            invalid += 1
            print(f"{file}: {error.reason} at {error.path}")
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())
