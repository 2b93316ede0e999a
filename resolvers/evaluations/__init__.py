"""Evaluations: Open WebUI's feedback and arena leaderboard (feedback.py, leaderboard.py,
arena.py), and evaluation sets of our own run against models (sets.py, runs.py,
scorers.py, results.py).

Import from the modules: `from resolvers.evaluations.<module> import ...`."""
