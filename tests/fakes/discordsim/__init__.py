"""discordsim: an in-memory Discord API v10 simulator (REST + gateway) for peon-bot's tests.

Run it as a process (`python3 -m discordsim`) and drive it through `discordsim.client`.
"""
