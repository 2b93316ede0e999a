"""Open WebUI's chat tree rules, as plain functions over a chat's `history`.

A chat's messages form a tree: each node names its `parentId` (null for a root) and lists
its `childrenIds`; `currentId` is the end of the branch the user sees. Siblings are
alternatives: editing a message or regenerating an answer adds one. The rules kept here:

- a parent must exist, no message is its own ancestor, and `childrenIds` lists exactly
  the children, in the order they were added;
- adding or editing a message makes it current, and `currentId` always ends on a leaf:
  it descends through the newest child when it points higher up;
- deleting a message removes it and its direct children; their children move up to the
  deleted message's parent.

Nodes are never changed in place. An operation copies the nodes it touches, so `diff`
finds the changed ones by identity: the stored tree is shared, not copied, however large.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from resolvers.chats import limits as chat_limits
from resolvers.errors import Conflict, Invalid, NotFound

Node = dict[str, Any]
STRUCTURE = frozenset({"id", "parentId", "childrenIds"})


class ChatTree:
    def __init__(self, messages: Mapping[str, Node], current_id: str | None):
        self.messages: dict[str, Node] = dict(messages)
        self.current_id = current_id

    @classmethod
    def of(cls, blob: Any) -> ChatTree:
        history = blob.get("history") if isinstance(blob, dict) else None
        history = history if isinstance(history, dict) else {}
        messages = history.get("messages")
        current = history.get("currentId")
        return cls(messages if isinstance(messages, dict) else {},
                   current if isinstance(current, str) else None)

    def history(self) -> dict[str, Any]:
        return {"messages": self.messages, "currentId": self.current_id}

    def children(self, message_id: str | None) -> list[str]:
        node = self.messages.get(message_id) if message_id is not None else None
        listed = node.get("childrenIds") if node else None
        return [c for c in listed if c in self.messages] if isinstance(listed, list) else []

    def get(self, message_id: str) -> Node:
        node = self.messages.get(message_id)
        if node is None:
            raise NotFound("No such message in this chat.", reason="message_not_found")
        return node

    def _writable(self, message_id: str) -> Node:
        node = dict(self.messages[message_id])
        self.messages[message_id] = node
        return node

    # --- operations ---

    def add(self, message_id: str, node: Mapping[str, Any], parent_id: str | None) -> Node:
        """A new node under `parent_id` (a new root when None); it becomes current."""
        chat_limits.message_id(message_id)
        if message_id in self.messages:
            raise Conflict("A message with this id already exists in the chat.",
                           reason="message_id_taken", field="message_id")
        if parent_id is not None and parent_id not in self.messages:
            raise Invalid("The parent message does not exist in this chat.",
                          reason="parent_not_found", field="parent_id")
        chat_limits.message_count(len(self.messages) + 1)
        added = {k: v for k, v in node.items() if k not in STRUCTURE}
        added.update(id=message_id, parentId=parent_id, childrenIds=[])
        self.messages[message_id] = added
        if parent_id is not None:
            parent = self._writable(parent_id)
            parent["childrenIds"] = [*self.children(parent_id), message_id]
        self.current_id = message_id
        return added

    def update(self, message_id: str, changes: Mapping[str, Any], *,
               make_current: bool = True) -> Node:
        """Change a node's fields (never its place in the tree); its branch becomes
        current, as Open WebUI's message upsert does, unless `make_current` is off (an
        answer being written while the user looks at another branch)."""
        self.get(message_id)
        node = self._writable(message_id)
        node.update({k: v for k, v in changes.items() if k not in STRUCTURE})
        if make_current:
            self.current_id = self.newest_leaf_under(message_id)
        return node

    def delete(self, message_id: str) -> list[str]:
        """Remove the node and its direct children; returns the removed ids."""
        node = self.get(message_id)
        parent_id = node.get("parentId") if node.get("parentId") in self.messages else None
        direct = self.children(message_id)
        removed = [message_id, *direct]
        orphans = [g for c in direct for g in self.children(c) if g not in removed]
        if parent_id is not None:
            parent = self._writable(parent_id)
            siblings = self.children(parent_id)
            at = siblings.index(message_id) if message_id in siblings else len(siblings)
            parent["childrenIds"] = [*siblings[:at], *orphans,
                                     *[s for s in siblings[at:] if s != message_id]]
        for orphan in orphans:
            self._writable(orphan)["parentId"] = parent_id
        for gone in removed:
            del self.messages[gone]
        if self.current_id not in self.messages:
            self.current_id = (self.newest_leaf_under(parent_id) if parent_id is not None
                               else self.newest_leaf())
        return removed

    def switch(self, message_id: str) -> str:
        """Show the branch through `message_id` (down to its newest leaf)."""
        self.get(message_id)
        self.current_id = self.newest_leaf_under(message_id)
        return self.current_id

    # --- reading ---

    def newest_leaf_under(self, message_id: str) -> str:
        for _ in range(len(self.messages)):
            kids = self.children(message_id)
            if not kids:
                break
            message_id = kids[-1]
        return message_id

    def newest_leaf(self) -> str | None:
        leaves = [m for m in self.messages if not self.children(m)]
        if not leaves:
            return None
        order = {m: i for i, m in enumerate(self.messages)}
        return max(leaves, key=lambda m: (_timestamp(self.messages[m]), order[m]))

    def branch(self) -> list[str]:
        """Root-to-current ids."""
        path, seen = [], set()
        at = self.current_id
        while at is not None and at in self.messages and at not in seen:
            seen.add(at)
            path.append(at)
            at = self.messages[at].get("parentId")
        return path[::-1]

    def diff(self, before: Mapping[str, Node]) -> tuple[list[str], list[str]]:
        """(changed or added ids, removed ids) relative to the `before` messages."""
        changed = [m for m, node in self.messages.items()
                   if before.get(m) is not node and before.get(m) != node]
        return changed, [m for m in before if m not in self.messages]

    # --- whole trees from clients ---

    def check(self, ids: Iterable[str] | None = None) -> None:
        """Refuse a malformed tree: foreign parents, self-parents, cycles, oversize nodes.
        `ids` limits the per-node checks to the nodes a client sent."""
        chat_limits.message_count(len(self.messages))
        for message_id in self.messages if ids is None else ids:
            node = self.messages[message_id]
            if not isinstance(node, dict):
                raise Invalid("Each message is a JSON object.", reason="invalid_tree",
                              field="history")
            chat_limits.message_id(message_id)
            if node.get("id", message_id) != message_id:
                raise Invalid(f"Message {message_id!r} is stored under another id.",
                              reason="invalid_tree", field="history")
            chat_limits.role(node.get("role", "user"))
            chat_limits.message_content(node.get("content"))
            parent_id = node.get("parentId")
            if parent_id == message_id:
                raise Invalid(f"Message {message_id!r} is its own parent.",
                              reason="invalid_tree", field="history")
            if parent_id is not None and parent_id not in self.messages:
                raise Invalid(f"The parent of message {message_id!r} does not exist.",
                              reason="parent_not_found", field="history")
        self._refuse_cycles()

    def _refuse_cycles(self) -> None:
        rooted: set[str] = set()
        for start in self.messages:
            path, seen, at = [], set(), start
            while at is not None and at in self.messages and at not in rooted:
                if at in seen:
                    raise Invalid("The messages' parent links form a cycle.",
                                  reason="invalid_tree", field="history")
                seen.add(at)
                path.append(at)
                at = self.messages[at].get("parentId")
            rooted.update(path)

    def repair(self) -> None:
        """Make every `childrenIds` list exactly the node's children (listed ones first,
        in their order, then unlisted ones oldest first), set `id`, and end `currentId`
        on a leaf of a branch that exists."""
        linked: dict[str, list[str]] = {}
        for message_id, node in self.messages.items():
            parent_id = node.get("parentId")
            if parent_id is not None:
                linked.setdefault(parent_id, []).append(message_id)
        for message_id, node in list(self.messages.items()):
            kids = linked.get(message_id, [])
            listed = node.get("childrenIds") if isinstance(node.get("childrenIds"), list) else []
            ordered = list(dict.fromkeys(c for c in listed if c in kids))
            ordered += sorted((k for k in kids if k not in ordered),
                              key=lambda k: _timestamp(self.messages[k]))
            if node.get("childrenIds") != ordered or node.get("id") != message_id:
                fixed = self._writable(message_id)
                fixed["childrenIds"], fixed["id"] = ordered, message_id
        if self.current_id in self.messages:
            self.current_id = self.newest_leaf_under(self.current_id)
        else:
            self.current_id = self.newest_leaf()


def merge(stored: ChatTree, incoming: Mapping[str, Any], incoming_current: Any,
          caller_id: str) -> tuple[ChatTree, list[str]]:
    """A client's whole history merged into the stored one, as Open WebUI merges: every
    message of either survives; for a message in both, the client's version wins unless
    the stored one was written by someone else or is still being generated. Returns the
    merged tree and the ids the client sent."""
    if not isinstance(incoming, Mapping):
        raise Invalid("history.messages is an object of messages by id.",
                      reason="invalid_tree", field="history")
    merged = ChatTree(stored.messages, stored.current_id)
    for message_id, node in incoming.items():
        if not isinstance(node, dict):
            raise Invalid("Each message is a JSON object.", reason="invalid_tree",
                          field="history")
        kept = stored.messages.get(message_id)
        if kept is not None and _stored_wins(kept, caller_id):
            node = kept
        elif kept is not None:
            listed = [*(kept.get("childrenIds") or []), *(node.get("childrenIds") or [])]
            node = {**node, "childrenIds": list(dict.fromkeys(listed))}
        merged.messages[message_id] = node
    if isinstance(incoming_current, str) and incoming_current in merged.messages:
        merged.current_id = incoming_current
    sent = [m for m in incoming if stored.messages.get(m) is not merged.messages[m]]
    merged.check(sent)
    merged.repair()
    return merged, sent


def _stored_wins(stored: Node, caller_id: str) -> bool:
    author = stored.get("user_id")
    return (author is not None and author != caller_id) or stored.get("done") is False


def _timestamp(node: Node) -> float:
    value = node.get("timestamp")
    return value if isinstance(value, int | float) and not isinstance(value, bool) else 0
