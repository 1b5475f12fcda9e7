"""The Slack adapter: a Bolt app whose listeners ack, call one command and render its result."""
