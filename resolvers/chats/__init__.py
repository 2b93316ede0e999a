"""Chats and their messages: lists, the tree, tags, sharing, access, limits, events.

Import from the modules: `from resolvers.chats.<module> import ...`."""
