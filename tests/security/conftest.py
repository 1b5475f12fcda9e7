from reliability.conftest import stack  # noqa: F401 (the same Slack side as the reliability suite)
