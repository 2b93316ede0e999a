"""Text from uploaded files, through well-kept parsers (text.py), and Open WebUI's
chunking (chunks.py). Nothing is imported here: the parsers and splitters take most of a
second to import, which a server that is never sent a file should not pay."""
