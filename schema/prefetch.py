"""How a page of entities with nested children is read: the pattern every list follows.

A list field (`chats`, later `knowledgeBases`, `models`, ...) reads its page, then looks
at what the query selects under `nodes` / `edges.node` and reads every nested child the
page needs, for the whole page at once, before returning. Each node carries what was
read for it in `ready`, and the nested field's resolver is a plain (not async) function
that answers from `ready`, falling back to its own batched read (a coroutine, which
graphql-core awaits as any async resolver's) for a node nothing prepared (a mutation's
payload). A field that returns one node (`chat(id:)`) prepares it the same way, with
`paths=ITSELF`. So a page costs a fixed number of statements, and no nested field of it
costs a coroutine, a future or a dataloader key per node. Marked PREPARED (see
schema/execution.py), the nested field is not even called: the plain path reads `ready`
itself and builds the whole page's answer in one pass.

The rules that keep its answers exactly those of the field's own resolver:

1. The data layer reads plain rows of the columns a page needs, with statements built
   once (bind parameters), never ORM objects that the session would build and track
   (see data/repos/messages.py and data/repos/chats.py's ChatSummary).
2. The resolver layer offers a batch read over the rows the list already holds, with the
   same checks as the one-node read, leaving out the nodes that check refuses (see
   resolvers.chats.messages.list_messages_of_chats).
3. The prefetch computes each nested field's arguments exactly as the field does (the
   same function) and prepares nothing when they are invalid: the field then raises the
   error itself, at its own path.
4. The node's resolver looks its arguments up in `ready`: anything not prepared goes
   through the one-node read, which also raises its errors from its coroutine (raised
   at once, they would end the node's other fields while their coroutines are pending).
5. What a node's children are built into is built once, for the fields the query selects
   on them (Message.from_row's `fields`), and edges only when `edges` is selected.
6. The children's rows hold only the columns those fields read (message_columns, from
   the same table as Message.from_row's readers), so nothing else is read or decoded.
7. The nested field carries `metadata={PREPARED: key_of}`, `key_of(arguments)` giving
   the same `ready` key its resolver looks up (for Chat.messages: its MessageWindow).

Example (schema/chats/queries.py, `chats` and `_prefetch`):

    page = await chats.list_chats(info.context, ...)
    connection = chat_connection(page.chats, ...)
    for nested in nested_fields(info, "messages"):         # every alias, every fragment
        try:
            window = window_of(**nested.arguments)          # as Chat.messages computes it
        except DomainError:
            continue                                        # the field reports it
        pages = await messages.list_messages_of_chats(
            info.context, page.chats, window, columns=message_columns(nested.node_names))
        for chat in connection.nodes:                       # (aliases of a window merged)
            if chat.id in pages:
                chat.ready[window] = message_connection(
                    kind, pages[chat.id], fields=nested.node_names,
                    with_edges="edges" in nested.names)

    # and in Chat:
    @strawberry.field(metadata={PREPARED: lambda arguments: window_or_none(arguments)})
    def messages(self, info: Info, first: int | None = None, ...) -> MessageConnection:
        arguments = dict(first=first, ...)
        if self.ready and (ready := self.ready.get(window_or_none(arguments))):
            return ready
        return self._messages(info, arguments)   # a coroutine; raises its errors too

Measured with bench/graphql.py (Q3: 50 chats with owner and 5 messages each), these steps
took Parley's CPU per request from 65 ms to the figures in README.md's Performance section.
"""

from typing import Any, NamedTuple

from graphql import (
    FieldNode,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSkipDirective,
    get_named_type,
)
from graphql.execution.values import (
    VariableValues,
    get_argument_values,
    get_directive_values,
)

from schema.context import Info

# Where a connection's nodes are selected.
NODE_PATHS = (("nodes",), ("edges", "node"))
# A field that returns one node (`chat(id:)`): the node is the field's own value.
ITSELF = ((),)


class Nested(NamedTuple):
    """One selection of a nested field on a connection's nodes."""

    arguments: dict[str, Any]  # coerced as for the field's resolver
    names: frozenset[str]  # the fields selected directly under it
    node_names: frozenset[str]  # if it is a connection: those selected on its nodes


def nested_fields(info: Info, name: str, paths: tuple = NODE_PATHS) -> list[Nested]:
    """Each selection of `name` (every alias, through fragments) on the nodes of the
    connection this field returns (with `paths=ITSELF`: on the object it returns), with
    its arguments coerced by graphql-core exactly as for the field's resolver (variables,
    defaults); @skip and @include are honoured."""
    raw = info._raw_info  # graphql-core's, whose coercion the field's own arguments get
    variables = _variables(raw)
    found: list[Nested] = []
    for field_def, node in _on_nodes(raw, variables, get_named_type(raw.return_type),
                                     list(raw.field_nodes), name, paths):
        node_names = {child.name.value for path in NODE_PATHS
                      for child in _path(raw, variables, [node], (*path, None))}
        found.append(Nested(
            get_argument_values(field_def, node, variables),
            frozenset(child.name.value for child in _named(raw, variables, [node], None)),
            frozenset(node_names)))
    return found


def nested_arguments(info: Info, name: str, paths: tuple = NODE_PATHS
                     ) -> list[dict[str, Any]]:
    """The arguments of each selection of `name` on the nodes (see nested_fields)."""
    return [nested.arguments for nested in nested_fields(info, name, paths)]


def _on_nodes(raw: GraphQLResolveInfo, variables: VariableValues, connection: Any,
              field_nodes: list[FieldNode], name: str,
              paths: tuple) -> list[tuple[Any, FieldNode]]:
    found = []
    for path in paths:
        parent, nodes = connection, field_nodes
        for step in path:
            nodes = _named(raw, variables, nodes, step)
            fields = getattr(parent, "fields", {})
            parent = get_named_type(fields[step].type) if step in fields else None
            if not isinstance(parent, GraphQLObjectType):
                break
        else:
            field_def = parent.fields.get(name)
            if field_def is not None:
                found.extend((field_def, node) for node in _named(raw, variables, nodes, name))
    return found


def _path(raw: GraphQLResolveInfo, variables: VariableValues, nodes: list[FieldNode],
          path: tuple) -> list[FieldNode]:
    for step in path:
        nodes = _named(raw, variables, nodes, step)
    return nodes


def _variables(info: GraphQLResolveInfo) -> VariableValues:
    """The operation's variables as graphql-core's coercion takes them (strawberry hands
    resolvers only the coerced values; their sources matter only for printing)."""
    values = info.variable_values
    return values if isinstance(values, VariableValues) else VariableValues({}, values)


def _named(info: GraphQLResolveInfo, variables: VariableValues, parents: list[FieldNode],
           name: str | None) -> list[FieldNode]:
    """The included fields called `name` (None: any name) selected under `parents`."""
    found: list[FieldNode] = []
    pending = [s for parent in parents if parent.selection_set
               for s in parent.selection_set.selections]
    while pending:
        selection = pending.pop(0)
        if not _included(variables, selection):
            continue
        if isinstance(selection, FieldNode):
            if name is None or selection.name.value == name:
                found.append(selection)
        elif hasattr(selection, "selection_set"):  # an inline fragment
            pending.extend(selection.selection_set.selections)
        else:  # a fragment spread
            fragment = info.fragments.get(selection.name.value)
            if fragment is not None:
                pending.extend(fragment.selection_set.selections)
    return found


def _included(variables: VariableValues, node: Any) -> bool:
    skip = get_directive_values(GraphQLSkipDirective, node, variables)
    if skip is not None and skip["if"] is True:
        return False
    include = get_directive_values(GraphQLIncludeDirective, node, variables)
    return include is None or include["if"] is not False
