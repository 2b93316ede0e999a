"""Pipelines: stored, versioned sequences of steps (model calls, retrieval, functions,
filters, conditions, an output), shared like models, run as tasks whose steps stream.

Import from the modules: `resolvers.pipelines.pipelines` (create, read, list, update,
duplicate, delete), `resolvers.pipelines.runs` (execute, wait, read, list, follow) and
`resolvers.pipelines.definition` (the definition's shape)."""
