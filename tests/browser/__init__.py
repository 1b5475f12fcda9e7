"""The customer's pages in real headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

A package on purpose: pytest imports a conftest.py outside a package under the module name
`conftest`, evicting tests/conftest.py, which the test files import helpers from.
"""
