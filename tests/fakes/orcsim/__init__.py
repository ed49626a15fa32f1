"""PEON orchestrator simulator: the REST API v1 of peon-orc as it really behaves.

Run it as a process (`python3 -m orcsim`), drive it from tests with `orcsim.client`.
The behaviour follows shared/reference/peon-orchestrator-api.md, quirks included.
"""
