"""Authentication: credentials to a Viewer, sign-up and sign-in, tokens, password hashes, API
keys, sign-in limits.

Import from the modules: `from resolvers.auth.<module> import ...`."""
