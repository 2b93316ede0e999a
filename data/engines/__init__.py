"""Engines beside the chat upstreams (image generation, speech): where they may be."""
