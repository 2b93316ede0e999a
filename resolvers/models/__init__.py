"""Models: the upstream catalog, workspace presets and their grants, the connections.

Import from the modules: `from resolvers.models.<module> import ...`."""
