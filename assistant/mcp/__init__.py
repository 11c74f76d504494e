"""MCP tool servers: which a channel may use (servers.py), talking to them (client.py), their
results as data (results.py), and their tools offered to the model (tools.py)."""
