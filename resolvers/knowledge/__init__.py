"""Knowledge bases: collections of files their owner shares with users and groups, each
searchable through the vector collection named by its id.

Import from the modules: `resolvers.knowledge.knowledge` (list, get, create, update,
access, delete, reset), `resolvers.knowledge.files` (a knowledge base's files: list,
add, batch add, re-embed, remove), `resolvers.knowledge.fields` (owner, files, counts
and grants of listed knowledge bases, through dataloaders) and
`resolvers.knowledge.access` (the access rule others share)."""
