"""The Slack adapter, the Flask app factory, the CLI and the local Slack stand-in."""
