"""A local stand-in for Slack's servers, shared by the demo and the tests."""
from bot.localslack.client import SlackSim
from bot.localslack.server import BOT_TOKEN, LocalSlack

__all__ = ["BOT_TOKEN", "LocalSlack", "SlackSim"]
