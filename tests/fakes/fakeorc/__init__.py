"""A PEON orchestrator (REST API v1) simulator, faithful to reference/peon-orchestrator-api.md including
its odd answers. Run it with `PYTHONPATH=tests/fakes /usr/bin/python3 -m fakeorc`; drive it from tests
with fakeorc.client."""
