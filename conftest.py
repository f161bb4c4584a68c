"""The shared fixtures live in tests/plugin.py (people, clients, interviews, a webhook receiver)."""

pytest_plugins = ["tests.plugin"]
