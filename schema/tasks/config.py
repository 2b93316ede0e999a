"""The helper tasks' settings (Open WebUI's task configuration): read by every signed-in
account, changed by administrators, kept in the `config` table."""

from dataclasses import fields
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types.unset import UNSET

from resolvers.tasks import settings as task_config
from schema.context import Info

_TEMPLATE = "Its prompt template; empty for the built-in one."


@strawberry.type(description="Which model runs the helper tasks (titles, tags, follow-ups, "
                             "search queries, autocompletion) and with which prompts.")
class TaskConfig:
    task_model: str | None = strawberry.field(
        description="The task model for chats on local models; empty: the chat's own.")
    task_model_external: str | None = strawberry.field(
        description="The task model for chats on external models; empty: the chat's own.")
    task_model_params: JSON | None = strawberry.field(
        description="Parameters every task request gets (e.g. max_tokens).")
    title_generation_prompt_template: str = strawberry.field(description=_TEMPLATE)
    image_prompt_generation_prompt_template: str = strawberry.field(description=_TEMPLATE)
    enable_autocomplete_generation: bool = strawberry.field(
        description="Whether input autocompletion runs.")
    autocomplete_generation_input_max_length: int = strawberry.field(
        description="The longest input autocompleted; -1 for no limit.")
    autocomplete_generation_prompt_template: str = strawberry.field(description=_TEMPLATE)
    tags_generation_prompt_template: str = strawberry.field(description=_TEMPLATE)
    follow_up_generation_prompt_template: str = strawberry.field(description=_TEMPLATE)
    enable_follow_up_generation: bool = strawberry.field(
        description="Whether follow-up questions are suggested.")
    enable_tags_generation: bool = strawberry.field(description="Whether chats get tags.")
    enable_title_generation: bool = strawberry.field(description="Whether chats get titles.")
    enable_search_query_generation: bool = strawberry.field(
        description="Whether web search queries are written by the model.")
    enable_retrieval_query_generation: bool = strawberry.field(
        description="Whether retrieval queries are written by the model.")
    query_generation_prompt_template: str = strawberry.field(description=_TEMPLATE)
    tools_function_calling_prompt_template: str = strawberry.field(description=_TEMPLATE)
    enable_voice_mode_prompt: bool = strawberry.field(
        description="Whether voice mode adds its system prompt.")
    voice_mode_prompt_template: str | None = strawberry.field(description=_TEMPLATE)

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> "TaskConfig":
        return cls(**settings)


@strawberry.input(description="The settings to change; the others keep their values.")
class UpdateTaskConfigInput:
    task_model: str | None = strawberry.field(default=UNSET, description="See TaskConfig.")
    task_model_external: str | None = strawberry.field(default=UNSET,
                                                       description="See TaskConfig.")
    task_model_params: JSON | None = strawberry.field(default=UNSET,
                                                      description="See TaskConfig.")
    title_generation_prompt_template: str | None = strawberry.field(
        default=UNSET, description="See TaskConfig.")
    image_prompt_generation_prompt_template: str | None = strawberry.field(
        default=UNSET, description="See TaskConfig.")
    enable_autocomplete_generation: bool | None = strawberry.field(
        default=UNSET, description="See TaskConfig.")
    autocomplete_generation_input_max_length: int | None = strawberry.field(
        default=UNSET, description="See TaskConfig.")
    autocomplete_generation_prompt_template: str | None = strawberry.field(
        default=UNSET, description="See TaskConfig.")
    tags_generation_prompt_template: str | None = strawberry.field(
        default=UNSET, description="See TaskConfig.")
    follow_up_generation_prompt_template: str | None = strawberry.field(
        default=UNSET, description="See TaskConfig.")
    enable_follow_up_generation: bool | None = strawberry.field(
        default=UNSET, description="See TaskConfig.")
    enable_tags_generation: bool | None = strawberry.field(default=UNSET,
                                                           description="See TaskConfig.")
    enable_title_generation: bool | None = strawberry.field(default=UNSET,
                                                            description="See TaskConfig.")
    enable_search_query_generation: bool | None = strawberry.field(
        default=UNSET, description="See TaskConfig.")
    enable_retrieval_query_generation: bool | None = strawberry.field(
        default=UNSET, description="See TaskConfig.")
    query_generation_prompt_template: str | None = strawberry.field(
        default=UNSET, description="See TaskConfig.")
    tools_function_calling_prompt_template: str | None = strawberry.field(
        default=UNSET, description="See TaskConfig.")
    enable_voice_mode_prompt: bool | None = strawberry.field(default=UNSET,
                                                             description="See TaskConfig.")
    voice_mode_prompt_template: str | None = strawberry.field(default=UNSET,
                                                              description="See TaskConfig.")


@strawberry.type
class TaskConfigQueries:
    @strawberry.field(description="The helper tasks' settings (any signed-in account).")
    async def task_config(self, info: Info) -> TaskConfig:
        return TaskConfig.from_settings(await task_config.get_task_config(info.context))


@strawberry.type
class TaskConfigMutations:
    @strawberry.mutation(description="Change the helper tasks' settings (administrators); "
                                     "a value of the wrong kind changes nothing.")
    async def update_task_config(
        self, info: Info,
        input: Annotated[UpdateTaskConfigInput, strawberry.argument(
            description="The settings to change.")],
    ) -> TaskConfig:
        changes = {f.name: getattr(input, f.name) for f in fields(input)
                   if getattr(input, f.name) is not UNSET}
        return TaskConfig.from_settings(
            await task_config.update_task_config(info.context, changes))
