"""Health, version, public and admin configuration, start-up provisioning.

Import from the modules: `from resolvers.system.<module> import ...`."""
