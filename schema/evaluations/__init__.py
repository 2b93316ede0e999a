"""Evaluations on GraphQL: evaluation sets, their runs and results; Open WebUI's feedback
and its leaderboard."""
