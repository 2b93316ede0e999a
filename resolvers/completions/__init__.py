"""Completions: relayed to an upstream byte for byte, read into chats, and run as tasks.

Import from the modules: `from resolvers.completions.<module> import ...`."""
