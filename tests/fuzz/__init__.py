"""Property tests with Hypothesis: random text into the slash command, random files into the importer.

A package on purpose: pytest imports a conftest.py outside a package under the module name
`conftest`, evicting tests/conftest.py, which the test files import helpers from.
"""
