"""Groups and their members.

Import from the modules: `from resolvers.groups.<module> import ...`."""
