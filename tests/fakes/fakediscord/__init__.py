"""A Discord API v10 simulator (REST + gateway) for peon-bot's tests. Run it with
`PYTHONPATH=tests/fakes /usr/bin/python3 -m fakediscord`; drive it from tests with fakediscord.client."""
