"""Functions: Open WebUI's pipes, filters and actions, admin-written Python modules kept in
the `function` table, run only in worker processes (data/functions/pool.py).

Import from the modules: `records` (list, get, create, update, delete, toggles, export,
history), `valves` (valves and user valves), `sandbox` (checking and calling code in a
worker) and `runtime` (pipes as models, filters around completions, actions).

Resolvers that call a worker do it before their first database statement, so no write
lock is held while a function's code runs."""
