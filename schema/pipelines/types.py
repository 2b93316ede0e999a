"""Pipeline, PipelineRun and PipelineStep (one step's record in a run), and the events a
run's subscription streams."""

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from data.tables import PipelineRunRow
from resolvers.pipelines.pipelines import StoredPipeline
from schema.scalars import timestamp


def _ms(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1000, tz=UTC)


@strawberry.type(description="Who else may read (and run) or change a pipeline.")
class PipelineGrant:
    principal_type: str = strawberry.field(description="`user` or `group`.")
    principal_id: str = strawberry.field(description="The user's or group's id; `*` is "
                                                     "everyone signed in.")
    permission: str = strawberry.field(description="`read` or `write`.")


@strawberry.type(description="A stored, versioned sequence of steps.")
class Pipeline:
    id: strawberry.ID = strawberry.field(description="Its id.")
    name: str = strawberry.field(description="Its name.")
    description: str = strawberry.field(description="What it is for.")
    definition: JSON = strawberry.field(description="Its steps: `{steps: [{name, kind, "
                                                    "...}]}`.")
    version: int = strawberry.field(description="How many times it was saved.")
    owner_id: strawberry.ID = strawberry.field(description="Who owns it.")
    write_access: bool = strawberry.field(description="Whether the caller may change it.")
    grants: list[PipelineGrant] = strawberry.field(description="Who else may use it.")
    created_at: datetime | None = strawberry.field(description="When it was created.")
    updated_at: datetime | None = strawberry.field(description="When it last changed.")

    @classmethod
    def from_stored(cls, found: StoredPipeline) -> "Pipeline":
        row = found.row
        return cls(id=strawberry.ID(row.id), name=row.name, description=row.description,
                   definition=row.definition, version=row.version,
                   owner_id=strawberry.ID(row.user_id), write_access=found.write_access,
                   grants=[PipelineGrant(principal_type=g.principal_type,
                                         principal_id=g.principal_id,
                                         permission=g.permission) for g in found.grants],
                   created_at=timestamp(row.created_at), updated_at=timestamp(row.updated_at))


@strawberry.type(description="Tokens a model step used, as its upstream counted them.")
class StepTokens:
    prompt: int = strawberry.field(description="Tokens of the prompt.")
    completion: int = strawberry.field(description="Tokens of the answer.")
    total: int = strawberry.field(description="Both.")


@strawberry.type(description="One step of a run: what it read, what it made, when, and "
                             "how it failed.")
class PipelineStep:
    name: str = strawberry.field(description="The step's name.")
    kind: str = strawberry.field(description="model, retrieval, function, filter, "
                                             "condition or output.")
    input: str | None = strawberry.field(description="Its rendered input (a model's "
                                                     "prompt, a retrieval's query).")
    output: str | None = strawberry.field(description="What it made; a condition: "
                                                      "`true` or `false`.")
    error: str | None = strawberry.field(description="Why it failed or stopped.")
    tokens: StepTokens | None = strawberry.field(description="A model step's tokens.")
    started_at: datetime | None = strawberry.field(description="When it started.")
    ended_at: datetime | None = strawberry.field(description="When it ended.")
    duration_ms: int | None = strawberry.field(description="How long it took.")

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "PipelineStep":
        tokens = record.get("tokens")
        started, ended = record.get("started_at"), record.get("ended_at")
        return cls(name=record["name"], kind=record["kind"], input=record.get("input"),
                   output=record.get("output"), error=record.get("error"),
                   tokens=StepTokens(**tokens) if isinstance(tokens, dict) else None,
                   started_at=_ms(started), ended_at=_ms(ended),
                   duration_ms=ended - started if started and ended else None)


@strawberry.enum(description="Where a run is.")
class RunStatus(Enum):
    RUNNING = strawberry.enum_value("running", description="Under way.")
    SUCCEEDED = strawberry.enum_value("succeeded", description="Every step it took ended.")
    FAILED = strawberry.enum_value("failed", description="A step failed, or the instance "
                                                         "running it stopped (its process "
                                                         "died).")
    STOPPED = strawberry.enum_value("stopped", description="Stopped, or cut short by the "
                                                           "server shutting down.")


@strawberry.type(description="One run of a pipeline.")
class PipelineRun:
    id: strawberry.ID = strawberry.field(description="Its id.")
    pipeline_id: strawberry.ID = strawberry.field(description="The pipeline.")
    pipeline_version: int = strawberry.field(description="The version that ran.")
    user_id: strawberry.ID = strawberry.field(description="Who ran it.")
    task_id: strawberry.ID = strawberry.field(description="Its task: stop it with "
                                                          "stopTask.")
    status: RunStatus = strawberry.field(description="Where it is.")
    input: str = strawberry.field(description="What it was given.")
    output: str | None = strawberry.field(description="Its output step's text (or the "
                                                      "last step's).")
    error: str | None = strawberry.field(description="Why it failed or stopped.")
    steps: list[PipelineStep] = strawberry.field(description="The steps it took, in order.")
    started_at: datetime | None = strawberry.field(description="When it started.")
    ended_at: datetime | None = strawberry.field(description="When it ended.")

    @classmethod
    def from_row(cls, row: PipelineRunRow) -> "PipelineRun":
        return cls(id=strawberry.ID(row.id), pipeline_id=strawberry.ID(row.pipeline_id),
                   pipeline_version=row.pipeline_version, user_id=strawberry.ID(row.user_id),
                   task_id=strawberry.ID(row.task_id), status=RunStatus(row.status),
                   input=row.input, output=row.output, error=row.error,
                   steps=[PipelineStep.from_record(r) for r in row.steps or []],
                   started_at=_ms(row.started_at), ended_at=_ms(row.ended_at))


@strawberry.enum(description="What happened in a run.")
class RunEventKind(Enum):
    SNAPSHOT = strawberry.enum_value("run", description="The run as stored when following "
                                                        "began (`run`).")
    STEP_STARTED = strawberry.enum_value("step_started", description="A step began.")
    TOKEN = strawberry.enum_value("token", description="A piece of a model step's answer "
                                                       "(`text`).")
    STEP_ENDED = strawberry.enum_value("step_ended", description="A step ended (`stepRun`; "
                                                                 "texts cut to 400 "
                                                                 "characters).")
    ENDED = strawberry.enum_value("ended", description="The run ended (`status`).")


@strawberry.type(description="One event of a run, as it happens.")
class PipelineRunEvent:
    kind: RunEventKind = strawberry.field(description="What happened.")
    step: str | None = strawberry.field(description="The step it concerns.")
    text: str | None = strawberry.field(description="TOKEN: the piece.")
    step_run: PipelineStep | None = strawberry.field(description="STEP_ENDED: its record.")
    status: RunStatus | None = strawberry.field(description="ENDED: how it ended.")
    error: str | None = strawberry.field(description="ENDED: why it failed or stopped.")
    run: PipelineRun | None = strawberry.field(description="SNAPSHOT: the run so far.")

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> "PipelineRunEvent":
        kind = RunEventKind(event["t"])
        record = event.get("record")
        return cls(kind=kind, step=event.get("step"), text=event.get("c"),
                   step_run=PipelineStep.from_record(record) if record else None,
                   status=RunStatus(event["status"]) if event.get("status") else None,
                   error=event.get("error"),
                   run=PipelineRun.from_row(event["run"]) if kind is RunEventKind.SNAPSHOT
                   else None)
