"""Keeping a chat's answer message in step with the completion writing it.

While the answer streams, its text so far is saved at most once a second (a reload, or
another tab, shows it, and a crash loses at most that second; big chats less often).
When it ends, the whole answer is saved with Open WebUI's fields: `done`, `usage`,
`output` items, and, when it ended early, why: a stop adds a `statusHistory` note; an
upstream failure or the server shutting down also sets `error` (`{content, reason}`).
The user may look at another branch meanwhile: saving never moves `currentId`. A chat or
message deleted meanwhile is left deleted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from resolvers.chats import events as chat_events
from resolvers.chats.access import lock_owned_chat, save_tree
from resolvers.chats.tree import Node
from resolvers.completions.tasks import Transcript
from resolvers.context import Context, Services
from resolvers.errors import DomainError, NotFound

log = logging.getLogger("parley.completions")

CHECKPOINT_SECONDS = 1.0
# A save rewrites the whole chat: a big chat is saved less often (10 MB: every 10 s), so
# a long answer in it does not keep the database busy.
CHARS_PER_CHECKPOINT_SECOND = 1_000_000
STOPPED, INTERRUPTED, FAILED = "stopped", "interrupted", "failed"
_NOTES = {STOPPED: "Stopped before the answer was complete.",
          INTERRUPTED: "The server shut down before the answer was complete."}


class AnswerWriter:
    def __init__(self, services: Services, owner_id: str, chat_id: str, message_id: str):
        self.services, self.owner_id = services, owner_id
        self.chat_id, self.message_id = chat_id, message_id
        self.gone = False  # the chat or the message was deleted: nothing more to keep
        self._pending: asyncio.Task | None = None
        self._last = time.monotonic()
        self._interval = CHECKPOINT_SECONDS

    def progress(self, transcript: Transcript) -> None:
        """Save the text so far if a second has passed and no save is under way. Saving
        runs beside the stream, so a slow database never holds the answer back."""
        if self.gone or self._pending is not None:
            return
        if time.monotonic() - self._last < self._interval:
            return
        self._last = time.monotonic()
        changes = {"content": transcript.content, "done": False}
        self._pending = asyncio.ensure_future(self._save(lambda node: changes, final=False))
        self._pending.add_done_callback(self._saved)

    def _saved(self, _: asyncio.Task) -> None:
        self._pending = None

    async def finish(self, transcript: Transcript, terminal: dict[str, Any]) -> None:
        if self._pending is not None:
            await asyncio.gather(self._pending, return_exceptions=True)
        if not self.gone:
            await self._save(lambda node: final_fields(node, transcript, terminal), final=True)

    async def _save(self, changes, *, final: bool) -> None:
        try:
            async with Context(self.services).unit_of_work(write=True) as ctx:
                locked = await lock_owned_chat(ctx, self.owner_id, self.chat_id)
                node = locked.tree.messages.get(self.message_id)
                if node is None:
                    self.gone = True
                    return
                locked.tree.update(self.message_id, changes(node), make_current=False)
                self._interval = max(CHECKPOINT_SECONDS,
                                     locked.stored_chars / CHARS_PER_CHECKPOINT_SECOND)
                await save_tree(ctx, locked, touch=final)
                if final:
                    chat_events.publish(ctx, self.owner_id, self.chat_id,
                                        chat_events.MESSAGE_UPDATED, self.message_id)
        except NotFound:
            self.gone = True
        except DomainError as error:  # e.g. the answer outgrew the chat size limit
            log.warning("could not save the answer %s in chat %s: %s", self.message_id,
                        self.chat_id, error.message)
        except Exception:
            log.exception("could not save the answer %s in chat %s", self.message_id,
                          self.chat_id)


def stopped_note() -> dict[str, Any]:
    return {"action": STOPPED, "description": _NOTES[STOPPED], "done": True}


def ending(terminal: dict[str, Any]) -> str | None:
    """None for a complete answer; else why it ended early."""
    if terminal["t"] == "done":
        return None
    reason = terminal.get("reason")
    return STOPPED if reason == "stopped" else INTERRUPTED if reason == "shutdown" else FAILED


def final_fields(node: Node, transcript: Transcript, terminal: dict[str, Any]
                 ) -> dict[str, Any]:
    """The answer's Open WebUI fields once it has ended."""
    early = ending(terminal)
    meta = node.get("meta") if isinstance(node.get("meta"), dict) else {}
    fields: dict[str, Any] = {
        "content": transcript.content, "done": True,
        "output": output_items(transcript, complete=early is None),
        "meta": {**meta, "task_id": transcript.task.id,
                 "finish_reason": terminal.get("finish")}}
    usage = terminal.get("usage")
    if usage:
        fields["usage"] = {"prompt_tokens": usage["prompt"],
                           "completion_tokens": usage["completion"],
                           "total_tokens": usage["prompt"] + usage["completion"]}
    if early is not None:
        note = _NOTES.get(early, terminal.get("message") or "The answer failed.")
        history = node.get("statusHistory")
        fields["statusHistory"] = [*(history if isinstance(history, list) else []),
                                   {"action": early, "description": note, "done": True}]
        if early != STOPPED:
            fields["error"] = {"content": note, "reason": terminal.get("reason")}
    return fields


def output_items(transcript: Transcript, *, complete: bool) -> list[dict[str, Any]]:
    """Open WebUI's Responses-style output: the reasoning, if any, then the message."""
    status = "completed" if complete else "incomplete"
    task_id = transcript.task.id
    items: list[dict[str, Any]] = []
    if transcript.reasoning:
        items.append({"type": "reasoning", "id": f"rs_{task_id}", "status": status,
                      "content": [{"type": "output_text", "text": transcript.reasoning}],
                      "summary": []})
    items.append({"type": "message", "id": f"msg_{task_id}", "status": status,
                  "role": "assistant",
                  "content": [{"type": "output_text", "text": transcript.content}]})
    return items
