"""Accounts: the users' own and admins' changes, the SCIM directory, effective feature
permissions.

Import from the modules: `from resolvers.users.<module> import ...`."""
