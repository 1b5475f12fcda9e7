"""Dependencies point one way: adapters -> commands -> storage."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "commands": {"slack_bolt", "slack_sdk", "flask", "werkzeug", "smtplib", "aiosmtpd", "bot", "portal", "jobs"},
    "storage": {"slack_bolt", "slack_sdk", "flask", "werkzeug", "smtplib", "bot", "portal", "jobs", "commands"},
    "portal": {"slack_bolt", "slack_sdk", "bot"},
    "jobs": {"slack_bolt", "bot"},
}


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0], node.lineno


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_never_imports_what_sits_above_it(package):
    offenders = [f"{path.relative_to(ROOT)}:{line} imports {name}"
                 for path in (ROOT / package).rglob("*.py")
                 for name, line in _imports(path) if name in FORBIDDEN[package]]
    assert offenders == []
