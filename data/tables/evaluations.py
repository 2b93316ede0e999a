"""Evaluation sets of our own (Open WebUI has none): cases run against models and
scored. Every row belongs to one evaluation and goes with it."""

from sqlalchemy import JSON, BigInteger, Boolean, Float, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from data.tables.base import Base


class EvaluationRow(Base):
    """A set of cases and the models to run them on. `status` is the last run's: new,
    running, stopped, done or failed; a `running` one with no live task was cut short
    by a restart. While it runs, `lease_owner` is the instance running it and
    `heartbeat_at` (ms) when that instance last said so; a live instance resumes a run
    whose lease went stale (resolvers/tasks/leases.py)."""

    __tablename__ = "parley_evaluation"
    __table_args__ = (Index("parley_evaluation_user_idx", "user_id", "created_at"),
                      Index("parley_evaluation_status_idx", "status"))

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    models = mapped_column(JSON, nullable=False)  # model ids, in order
    judge_model: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, nullable=False, default="new")
    task_id: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    run_started_at: Mapped[int | None] = mapped_column(BigInteger)
    run_ended_at: Mapped[int | None] = mapped_column(BigInteger)
    lease_owner: Mapped[str | None] = mapped_column(Text)
    heartbeat_at: Mapped[int | None] = mapped_column(BigInteger)  # ms
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at: Mapped[int] = mapped_column(BigInteger, nullable=False)


class EvaluationCaseRow(Base):
    """One case: the messages sent, and how the answer is scored (`scorer` with its
    `expected` value: a text, a pattern, a number, a JSON schema or a rubric)."""

    __tablename__ = "parley_evaluation_case"
    __table_args__ = (Index("parley_evaluation_case_idx", "evaluation_id", "position",
                            unique=True),)

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    evaluation_id: Mapped[str] = mapped_column(Text, nullable=False)
    position: Mapped[int] = mapped_column(BigInteger, nullable=False)
    messages = mapped_column(JSON, nullable=False)
    scorer: Mapped[str] = mapped_column(Text, nullable=False)
    expected = mapped_column(JSON, nullable=True)
    options = mapped_column(JSON, nullable=True)  # e.g. {"tolerance": 0.01}


class EvaluationResultRow(Base):
    """A case's answer by one model and its score (0 to 1). A result with an `error`
    (the upstream failed) is asked again when the run resumes; one without is final."""

    __tablename__ = "parley_evaluation_result"
    __table_args__ = (
        Index("parley_evaluation_result_pair_idx", "case_id", "model", unique=True),
        Index("parley_evaluation_result_eval_idx", "evaluation_id"),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    evaluation_id: Mapped[str] = mapped_column(Text, nullable=False)
    case_id: Mapped[str] = mapped_column(Text, nullable=False)
    model: Mapped[str] = mapped_column(Text, nullable=False)
    output: Mapped[str] = mapped_column(Text, nullable=False, default="")
    score: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    passed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    verdict: Mapped[str | None] = mapped_column(Text)  # the judge's, when one judged
    reason: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    prompt_tokens: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    completion_tokens: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
