"""A chat's generation params, and events about a message that are relayed, not stored:
the resolvers behind Open WebUI's `PATCH /api/v1/chats/{id}/params` and
`POST /api/v1/chats/{id}/messages/{message_id}/event`."""

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from resolvers.chats import chats
from resolvers.chats import events as chat_events
from schema.context import Info


@strawberry.input(description="Generation params to set on a chat; the others stay.")
class UpdateChatParamsInput:
    chat_id: strawberry.ID = strawberry.field(description="One of the caller's chats.")
    params: JSON = strawberry.field(description='A JSON object, e.g. {"temperature": 0.7}.')


@strawberry.input(description="An event about a message for whoever follows the chat "
                              "(chatEvents): a status line, a notice. Nothing is stored.")
class SendMessageEventInput:
    chat_id: strawberry.ID = strawberry.field(description="The chat.")
    message_id: strawberry.ID = strawberry.field(description="The message it is about.")
    type: str = strawberry.field(description="What kind of event, 1 to 100 characters "
                                             "(e.g. status).")
    data: JSON = strawberry.field(description="A JSON object of at most 4096 characters.")


@strawberry.type(description="The chat's generation params after the change.")
class ChatParamsPayload:
    params: JSON = strawberry.field(description="All of them.")


@strawberry.type(description="The outcome of sendMessageEvent.")
class SendMessageEventPayload:
    sent: bool = strawberry.field(description="True: the event went to the chat's "
                                              "followers.")


@strawberry.type
class ChatExtrasMutations:
    @strawberry.mutation(description="Set generation params of one of the caller's chats.")
    async def update_chat_params(
            self, info: Info,
            input: Annotated[UpdateChatParamsInput,
                             strawberry.argument(description="The chat and its params.")]
    ) -> ChatParamsPayload:
        params = await chats.update_chat_params(info.context, str(input.chat_id), input.params)
        return ChatParamsPayload(params=params)

    @strawberry.mutation(description="Relay an event about a message to the chat's "
                                     "followers (its owner, or an administrator with chat "
                                     "access).")
    async def send_message_event(
            self, info: Info,
            input: Annotated[SendMessageEventInput, strawberry.argument(description="The event.")]
    ) -> SendMessageEventPayload:
        sent = await chat_events.send_message_event(info.context, str(input.chat_id),
                                                    str(input.message_id), input.type,
                                                    input.data)
        return SendMessageEventPayload(sent=sent)
