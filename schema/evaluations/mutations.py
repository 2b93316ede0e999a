"""Making, running, stopping and deleting evaluations; giving feedback."""

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from resolvers.errors import Invalid
from resolvers.evaluations import feedback, runs, sets
from schema.context import Info
from schema.evaluations.types import Evaluation, Feedback


@strawberry.input(description="A case: the messages sent and how the answer is scored.")
class EvaluationCaseInput:
    messages: JSON = strawberry.field(description="[{role, content}], role system, user or "
                                                  "assistant.")
    scorer: str = strawberry.field(description="exact, contains, regex, json_schema, numeric "
                                               "or judge.")
    expected: JSON | None = strawberry.field(default=None, description="What is scored "
                                             "against: text, pattern, number, schema, rubric.")
    options: JSON | None = strawberry.field(default=None, description="{tolerance, "
                                                                      "ignore_case}.")


@strawberry.input(description="A new evaluation; cases as a list or as JSON Lines.")
class CreateEvaluationInput:
    name: str = strawberry.field(description="Its name.")
    models: list[str] = strawberry.field(description="The models to run it on.")
    description: str = strawberry.field(default="", description="What it checks.")
    judge_model: str | None = strawberry.field(default=None, description="Judges rubrics.")
    cases: list[EvaluationCaseInput] | None = strawberry.field(default=None,
                                                               description="The cases.")
    cases_jsonl: str | None = strawberry.field(default=None, description="The cases, one "
                                               "JSON object a line (as on REST).")


@strawberry.input(description="The evaluation meant.")
class EvaluationIdInput:
    id: strawberry.ID = strawberry.field(description="The evaluation.")


@strawberry.input(description="Feedback on an answer; parts left out keep their value "
                              "on update.")
class FeedbackInput:
    type: str = strawberry.field(description="E.g. rating.")
    data: JSON | None = strawberry.field(default=None, description="{rating, model_id, ...}")
    meta: JSON | None = strawberry.field(default=None, description="{chat_id, ...}")
    snapshot: JSON | None = strawberry.field(default=None, description="{chat}")


@strawberry.input(description="Changes to a feedback; parts left out keep their value.")
class UpdateFeedbackInput:
    id: strawberry.ID = strawberry.field(description="The feedback.")
    type: str = strawberry.field(description="Kept as stored, as in Open WebUI.")
    data: JSON | None = strawberry.field(default=None, description="{rating, model_id, ...}")
    meta: JSON | None = strawberry.field(default=None, description="{chat_id, ...}")
    snapshot: JSON | None = strawberry.field(default=None, description="{chat}")


@strawberry.type(description="The evaluation as stored.")
class EvaluationPayload:
    evaluation: Evaluation = strawberry.field(description="The evaluation.")


@strawberry.type(description="A run started: follow it with the evaluationRun subscription.")
class RunEvaluationPayload:
    evaluation: Evaluation = strawberry.field(description="The evaluation.")
    task_id: strawberry.ID = strawberry.field(description="The run's task (stoppable).")


@strawberry.type(description="The deleted evaluation's id.")
class DeleteEvaluationPayload:
    id: strawberry.ID = strawberry.field(description="The evaluation.")


@strawberry.type(description="The feedback as stored.")
class FeedbackPayload:
    feedback: Feedback = strawberry.field(description="The feedback.")


NewEvaluation = Annotated[CreateEvaluationInput,
                          strawberry.argument(description="The new evaluation.")]
OneEvaluation = Annotated[EvaluationIdInput, strawberry.argument(description="The evaluation.")]
FeedbackArg = Annotated[FeedbackInput, strawberry.argument(description="The feedback.")]
FeedbackChanges = Annotated[UpdateFeedbackInput,
                            strawberry.argument(description="The feedback and its changes.")]


def _cases(input: NewEvaluation) -> list[sets.CaseInput]:
    if (input.cases is None) == (input.cases_jsonl is None):
        raise Invalid("Give the cases as `cases` or as `casesJsonl`, one of them.",
                      reason="invalid_evaluation", field="cases")
    if input.cases_jsonl is not None:
        return sets.parse_jsonl(input.cases_jsonl)
    return [sets.CaseInput(c.messages, c.scorer, c.expected, c.options) for c in input.cases]


@strawberry.type
class EvaluationMutations:
    @strawberry.mutation(description="Make an evaluation: every case and model is checked "
                                     "before anything is stored.")
    async def create_evaluation(self, info: Info, input: NewEvaluation
                                ) -> EvaluationPayload:
        row = await sets.create_evaluation(info.context, sets.EvaluationInput(
            name=input.name, models=input.models, cases=_cases(input),
            judge_model=input.judge_model, description=input.description))
        return EvaluationPayload(evaluation=Evaluation.from_row(info, row))

    @strawberry.mutation(description="Run (or resume) an evaluation; CONFLICT when it runs.")
    async def run_evaluation(self, info: Info, input: OneEvaluation
                             ) -> RunEvaluationPayload:
        row, task = await runs.start_run(info.context, str(input.id))
        return RunEvaluationPayload(evaluation=Evaluation.from_row(info, row),
                                    task_id=strawberry.ID(task.id))

    @strawberry.mutation(description="Stop an evaluation's run; what was scored stays.",
                         metadata={"writes": False})
    async def stop_evaluation(self, info: Info, input: OneEvaluation) -> EvaluationPayload:
        row = await runs.stop_run(info.context, str(input.id))
        return EvaluationPayload(evaluation=Evaluation.from_row(info, row))

    @strawberry.mutation(description="Delete an evaluation with its cases and results.")
    async def delete_evaluation(self, info: Info, input: OneEvaluation
                                ) -> DeleteEvaluationPayload:
        await runs.delete_evaluation(info.context, str(input.id))
        return DeleteEvaluationPayload(id=input.id)

    @strawberry.mutation(description="Give feedback on an answer.")
    async def create_feedback(self, info: Info, input: FeedbackArg) -> FeedbackPayload:
        row = await feedback.create_feedback(info.context, feedback.FeedbackInput(
            type=input.type, data=input.data, meta=input.meta, snapshot=input.snapshot))
        return FeedbackPayload(feedback=Feedback.from_row(row))

    @strawberry.mutation(description="Change your feedback (administrators: anyone's).")
    async def update_feedback(self, info: Info, input: FeedbackChanges) -> FeedbackPayload:
        row = await feedback.update_feedback(info.context, str(input.id), feedback.FeedbackInput(
            type=input.type, data=input.data, meta=input.meta, snapshot=input.snapshot))
        return FeedbackPayload(feedback=Feedback.from_row(row))

    @strawberry.mutation(description="Delete your feedback (administrators: anyone's).")
    async def delete_feedback(self, info: Info, input: OneEvaluation) -> bool:
        return await feedback.delete_feedback(info.context, str(input.id))
