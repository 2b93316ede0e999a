"""Per-user memories: the `memory` rows Open WebUI keeps, each with its vector in the
caller's collection `user-memory-<user_id>`, searched by meaning.

Import from the modules: `resolvers.memories.memories` (list, get, add, update, delete)
and `resolvers.memories.search` (query, reset).

Writes manage their own transactions: the embedding is made first (no lock held), then
the vector and the row are written in short transactions of their own, each undone if
the other fails. So a surface calls them inside a *read* unit of work (on SQLite a write
unit of work would hold the lock the vector store needs)."""
