"""Knowledge bases: collections of files their owner shares with users and groups."""
