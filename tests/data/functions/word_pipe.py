"""
title: Word Pipe
author: Parley tests
version: 0.1.0
requirements: definitely-not-installed==9.9.9
description: Streams the last user message back word by word, each word after a prefix.
"""

from pydantic import BaseModel, Field


class Pipe:
    class Valves(BaseModel):
        PREFIX: str = Field(default=">", description="Put before every word")
        API_KEY: str = Field(default="", description="A secret, never shown to users")

    class UserValves(BaseModel):
        SHOUT: bool = Field(default=False, description="Upper-case the words")

    def __init__(self):
        self.valves = self.Valves()

    def pipe(self, body: dict, __user__: dict):
        text = body["messages"][-1]["content"]
        shout = __user__["valves"].SHOUT
        for word in text.split():
            yield f"{self.valves.PREFIX}{word.upper() if shout else word} "
