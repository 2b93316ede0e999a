"""The chat tree rules: examples, then any sequence of operations (hypothesis) leaves a
consistent tree and never changes a node it was handed."""

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolvers.chats.tree import ChatTree, merge
from resolvers.errors import Conflict, DomainError, Invalid, NotFound


def node(role="user", content="x", timestamp=0):
    return {"role": role, "content": content, "timestamp": timestamp}


def consistent(tree: ChatTree) -> None:
    messages = tree.messages
    for message_id, item in messages.items():
        assert item["id"] == message_id
        parent = item.get("parentId")
        assert parent is None or parent in messages
        assert parent != message_id
        children = [m for m, n in messages.items() if n.get("parentId") == message_id]
        assert sorted(item["childrenIds"]) == sorted(children)
        assert len(set(item["childrenIds"])) == len(item["childrenIds"])
    for start in messages:  # every walk up ends at a root
        seen, at = set(), start
        while at is not None:
            assert at not in seen
            seen.add(at)
            at = messages[at].get("parentId")
    if messages:
        assert tree.current_id in messages and messages[tree.current_id]["childrenIds"] == []
    else:
        assert tree.current_id is None
    assert tree.branch()[-1:] == ([tree.current_id] if messages else [])


def test_add_edit_regenerate_and_switch():
    tree = ChatTree({}, None)
    tree.add("q", node(), None)
    tree.add("a1", node("assistant"), "q")
    tree.add("a2", node("assistant"), "q")  # regenerate: a sibling, now current
    assert tree.messages["q"]["childrenIds"] == ["a1", "a2"] and tree.current_id == "a2"
    tree.add("f", node(), "a1")
    assert tree.switch("q") == "a2"  # down through the newest child
    assert tree.switch("a1") == "f" and tree.current_id == "f"
    tree.update("a2", {"content": "edited", "parentId": "f", "id": "zz"})
    assert tree.current_id == "a2" and tree.messages["a2"]["parentId"] == "q"
    assert tree.branch() == ["q", "a2"]
    consistent(tree)


def test_delete_lifts_grandchildren_into_the_deleted_place():
    tree = ChatTree({}, None)
    for message_id, parent in [("r", None), ("a", "r"), ("b", "r"), ("a1", "a"),
                               ("a11", "a1"), ("a12", "a1")]:
        tree.add(message_id, node(), parent)
    assert tree.delete("a") == ["a", "a1"]
    assert tree.messages["r"]["childrenIds"] == ["a11", "a12", "b"]
    assert tree.messages["a11"]["parentId"] == "r" and tree.current_id == "a12"
    consistent(tree)


def test_refusals_change_nothing():
    tree = ChatTree({}, None)
    tree.add("q", node(), None)
    before = copy.deepcopy(tree.messages)
    for attempt, error in [(lambda: tree.add("q", node(), None), Conflict),
                           (lambda: tree.add("n", node(), "ghost"), Invalid),
                           (lambda: tree.add("", node(), None), Invalid),
                           (lambda: tree.delete("ghost"), NotFound),
                           (lambda: tree.switch("ghost"), NotFound)]:
        with pytest.raises(error):
            attempt()
    assert tree.messages == before


@pytest.mark.parametrize("messages", [
    {"a": {"id": "a", "parentId": "a", "role": "user"}},
    {"a": {"id": "a", "parentId": "b", "role": "user"},
     "b": {"id": "b", "parentId": "a", "role": "user"}},
    {"a": {"id": "a", "parentId": "nowhere", "role": "user"}},
    {"a": {"id": "a", "parentId": None, "role": 7}},
])
def test_malformed_trees_are_refused(messages):
    with pytest.raises(Invalid):
        merge(ChatTree({}, None), messages, None, "me")


def test_merge_keeps_both_sides_and_protects_others_and_streams():
    stored = ChatTree({}, None)
    stored.add("q", {**node(), "user_id": "me"}, None)
    stored.add("theirs", {**node(), "user_id": "them"}, "q")
    stored.add("live", {**node("assistant"), "done": False}, "q")
    incoming = {
        "q": {"id": "q", "parentId": None, "childrenIds": ["mine"], "role": "user",
              "content": "edited", "user_id": "me"},
        "theirs": {"id": "theirs", "parentId": "q", "role": "user", "content": "overwritten"},
        "live": {"id": "live", "parentId": "q", "role": "assistant", "content": "stale"},
        "mine": {"id": "mine", "parentId": "q", "childrenIds": [], "role": "user",
                 "content": "new"},
    }
    merged, _ = merge(stored, incoming, "mine", "me")
    assert merged.messages["q"]["content"] == "edited"
    assert merged.messages["theirs"]["content"] == "x"
    assert merged.messages["live"]["content"] == "x"
    assert merged.messages["q"]["childrenIds"] == ["theirs", "live", "mine"]
    assert merged.current_id == "mine"
    consistent(merged)


OPERATIONS = st.lists(st.tuples(
    st.sampled_from(["add", "add_root", "add_ghost", "edit", "delete", "switch",
                     "stale_merge"]),
    st.integers(0, 50), st.integers(0, 3)), max_size=40)


@given(OPERATIONS)
def test_any_sequence_of_operations_keeps_the_tree_consistent(operations):
    tree = ChatTree({}, None)
    snapshots: list[dict] = []
    handed: list[tuple[dict, dict]] = []  # nodes an operation was given, and their copies
    for number, (kind, pick, back) in enumerate(operations):
        ids = list(tree.messages)
        target = ids[pick % len(ids)] if ids else None
        new_id = f"n{number}"
        before = dict(tree.messages)
        handed.append((before, copy.deepcopy(before)))
        try:
            if kind == "add":
                tree.add(new_id, node(timestamp=number), target)
            elif kind == "add_root":
                tree.add(new_id, node(timestamp=number), None)
            elif kind == "add_ghost":
                tree.add(new_id, node(), "ghost")
            elif kind == "edit" and target:
                tree.update(target, {"content": f"v{number}"})
            elif kind == "delete" and target:
                removed = tree.delete(target)
                assert set(removed) == {target, *before[target]["childrenIds"]}
                assert len(tree.messages) == len(before) - len(removed)
            elif kind == "switch" and target:
                tree.switch(target)
            elif kind == "stale_merge" and snapshots:
                stale = copy.deepcopy(snapshots[-1 - back % len(snapshots)])
                parent = next(iter(stale), None)
                stale[new_id] = {"id": new_id, "parentId": parent, "childrenIds": [],
                                 "role": "user", "content": "from a stale tab"}
                if parent is not None:
                    stale[parent]["childrenIds"] = [*stale[parent]["childrenIds"], new_id]
                merged, _ = merge(tree, stale, new_id, "me")
                assert set(before) | {new_id} <= set(merged.messages)
                tree = merged
        except DomainError:
            assert kind == "add_ghost"
            assert tree.messages == before
        consistent(tree)
        snapshots.append(copy.deepcopy(tree.messages))
    for given_nodes, copied in handed:  # copy-on-write: no earlier node was changed
        assert given_nodes == copied
