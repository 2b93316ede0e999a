"""
title: Tag Filter
author: Parley tests
version: 0.2.0
"""

from pydantic import BaseModel


class Filter:
    class Valves(BaseModel):
        priority: int = 0
        TAG: str = "[tagged]"

    def __init__(self):
        self.valves = self.Valves()

    async def inlet(self, body: dict, __user__: dict | None = None) -> dict:
        body["messages"][-1]["content"] += f" {self.valves.TAG}"
        return body

    def outlet(self, body: dict) -> dict:
        for message in body["messages"]:
            if message["role"] == "assistant":
                message["content"] = message["content"].strip() + " (checked)"
        return body
