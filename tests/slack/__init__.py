"""Slack adapter tests.

A package on purpose: pytest imports a conftest.py outside a package under the module name
`conftest`, evicting tests/conftest.py, which other test files import helpers from.
"""
