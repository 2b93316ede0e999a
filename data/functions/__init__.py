"""Functions (Open WebUI's pipes, filters and actions) at the edge of the process: their
settings, the valves cipher, and the worker processes their code runs in. Nothing here
ever executes a function's code in the server process."""
