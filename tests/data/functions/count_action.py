"""
title: Count Words
author: Parley tests
version: 1.0.0
"""


class Action:
    async def action(self, body: dict, __user__=None, __event_emitter__=None) -> dict:
        await __event_emitter__({"type": "status", "data": {"description": "counting"}})
        words = sum(len(m["content"].split()) for m in body.get("messages", []))
        return {"content": f"{words} words", "user": __user__["id"] if __user__ else None}
