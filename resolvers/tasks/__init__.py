"""Tasks: what runs in this process, and listing and stopping them across instances.

Import from the modules: `from resolvers.tasks.<module> import ...`."""
