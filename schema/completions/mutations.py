"""Starting completions that run on their own, as tasks others can follow: in a chat
(the answer is kept there) or for a single prompt."""

from typing import Annotated, ClassVar

import strawberry

from resolvers.completions import chat_completions
from resolvers.completions import tasks as completion_tasks
from resolvers.errors import DomainError
from schema.chats.errors import ChatNotFound, InvalidChatInput, MessageNotFound
from schema.chats.types import Chat, Message
from schema.completions.types import PromptCompletionInput
from schema.context import Info
from schema.errors import MutationError, expected
from schema.files.inputs import FileRefInput
from schema.tasks.types import Task


@strawberry.input(description="A completion to run in the background (not bound to a chat).")
class StartCompletionInput(PromptCompletionInput):
    pass


@strawberry.type(description="The completion's task; follow it with `chatCompletion`.")
class StartCompletionPayload:
    task: Task = strawberry.field(description="The running task.")


@strawberry.input(description="A message to send in a chat, and the model to answer it.")
class ChatCompletionInput:
    chat_id: strawberry.ID | None = strawberry.field(
        default=None, description="The chat (yours). Leave it out to start a new chat with "
                                  "this message (`content` is then required).")
    model: str = strawberry.field(description="The model to answer (see `models`).")
    content: str | None = strawberry.field(
        default=None, description="Your message. Leave it out to have `parentId` (one of "
                                  "your messages) answered again: a regenerated answer "
                                  "beside the others.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The message yours follows (default: the current one); "
                                  "without `content`, the message to answer again.")
    temperature: float | None = strawberry.field(default=None, description="Sampling "
                                                 "temperature, as the upstream takes it.")
    max_tokens: int | None = strawberry.field(default=None,
                                              description="At most this many tokens.")
    files: list[FileRefInput] | None = strawberry.field(
        default=None, description="Files to ground the answer in; kept on your message. "
                                  "Passages found are the answer's `sources`.")
    knowledge_base_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Knowledge bases to ground the answer in.")

    def to_turn(self) -> chat_completions.ChatTurn:
        items = [f.to_item() for f in self.files or []]
        items += [{"type": "collection", "id": str(k)} for k in self.knowledge_base_ids or []]
        return chat_completions.ChatTurn(
            chat_id=str(self.chat_id) if self.chat_id is not None else None,
            model=self.model, content=self.content,
            parent_id=str(self.parent_id) if self.parent_id else None,
            temperature=self.temperature, max_tokens=self.max_tokens, files=tuple(items))


@strawberry.type(description="The answer is being written: follow `task` with "
                             "`chatCompletion(taskId:)`; the answer's message fills in as "
                             "it streams and is kept when it ends, however it ends.")
class ChatCompletionPayload:
    task: Task = strawberry.field(description="The running task (stop it with stopTask).")
    chat: Chat = strawberry.field(description="The chat as it is now.")
    user_message: Message | None = strawberry.field(
        description="Your message; null when answering again.")
    assistant_message: Message = strawberry.field(
        description="The answer's message, status STREAMING until it ends.")


@strawberry.type(description="No such model, or not one you may use.")
class ModelUnavailable(MutationError):
    reasons: ClassVar[frozenset[str]] = frozenset({"model_not_found", "model_access_denied",
                                                  "model_required"})


@strawberry.type(description="A file or knowledge base to ground the answer in that does not "
                             "exist or that you may not read; nothing was started.")
class DocumentNotFound(MutationError):
    reasons: ClassVar[frozenset[str]] = frozenset({"file_not_found", "knowledge_not_found"})


StartChatCompletionResult = Annotated[
    ChatCompletionPayload | ChatNotFound | MessageNotFound | InvalidChatInput
    | ModelUnavailable | DocumentNotFound,
    strawberry.union("StartChatCompletionResult", description="The started answer, or why "
                                                              "nothing was started.")]


@strawberry.type
class CompletionMutations:
    @strawberry.mutation(description="Start answering a prompt in the background. Any number "
                                     "of subscribers, on any instance, can follow it with "
                                     "`chatCompletion(taskId:)`; `stopTask` stops it.",
                         metadata={"writes": False})
    async def start_completion(
        self, info: Info,
        input: Annotated[StartCompletionInput,
                         strawberry.argument(description="The model and the prompt.")],
    ) -> StartCompletionPayload:
        request = input.to_request()
        task = await completion_tasks.start_prompt_task(info.context, request, route="graphql")
        return StartCompletionPayload(task=Task.from_info(task))

    @strawberry.mutation(description="Send a message in one of your chats and have a model "
                                     "answer it (or answer one of your messages again). "
                                     "Both messages are saved at once; the answer streams "
                                     "to `chatCompletion(taskId:)` subscribers on any "
                                     "instance and is saved as it goes. Leaving does not "
                                     "stop it; `stopTask` does, keeping what had arrived. "
                                     "Without `chatId` it starts a new chat. Publishes "
                                     "message.added (chat.created for a new chat).")
    async def start_chat_completion(
        self, info: Info,
        input: Annotated[ChatCompletionInput,
                         strawberry.argument(description="The chat, message and model.")],
    ) -> StartChatCompletionResult:
        ctx = info.context
        try:
            started = await chat_completions.start_turn(ctx, input.to_turn())
        except DomainError as error:
            return expected(ctx, error, ChatNotFound, MessageNotFound, InvalidChatInput,
                            ModelUnavailable, DocumentNotFound)
        return ChatCompletionPayload(
            task=Task.from_info(started.task), chat=Chat.from_row(started.chat),
            user_message=Message.from_row(started.question) if started.question else None,
            assistant_message=Message.from_row(started.answer))
