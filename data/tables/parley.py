"""Tables of our own. Open WebUI never reads them; names start with `parley_`."""

from sqlalchemy import JSON, BigInteger, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from data.tables.base import Base


class MetaRow(Base):
    """Facts Parley keeps about its database, e.g. which account is the primary admin
    (Open WebUI derives that from timestamps in whole seconds, which can tie)."""

    __tablename__ = "parley_meta"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class RevokedTokenRow(Base):
    """A signed-out token, by its `jti`: the database is what every instance shares,
    so sign-out revokes without Redis. Rows go once the token would have expired anyway."""

    __tablename__ = "parley_revoked_token"
    __table_args__ = (Index("parley_revoked_token_expires_idx", "expires_at"),)

    jti: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[str] = mapped_column(Text, nullable=False)
    expires_at: Mapped[int | None] = mapped_column(BigInteger)  # null: a token that never expires
    revoked_at: Mapped[int] = mapped_column(BigInteger, nullable=False)


class RateLimitRow(Base):
    """Attempts at something limited (signing in), counted where every instance on the
    database sees them, when there is no Redis: one row per limited key and window."""

    __tablename__ = "parley_rate_limit"
    __table_args__ = (Index("parley_rate_limit_expires_idx", "expires_at"),)

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    attempts: Mapped[int] = mapped_column(BigInteger, nullable=False)
    expires_at: Mapped[int] = mapped_column(BigInteger, nullable=False)  # the window's end, ms


class FileChunkRow(Base):
    """A piece of a file's extracted text, as Open WebUI's splitters cut it; what the
    vector store embeds. `meta` is the chunk metadata Open WebUI records (name, file_id,
    source, start_index, the Markdown headers above it)."""

    __tablename__ = "parley_file_chunk"
    __table_args__ = (Index("parley_file_chunk_file_idx", "file_id", "chunk_index", unique=True),)

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    file_id: Mapped[str] = mapped_column(Text, nullable=False)
    chunk_index: Mapped[int] = mapped_column(BigInteger, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    meta = mapped_column(JSON, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)


class ReindexProgressRow(Base):
    """A file (`file:<id>`) or knowledge base (`knowledge:<id>`) an unfinished re-index
    has written into the vector store, and for which store and model (`config`): a
    stopped run resumes after it; a finished run clears the table."""

    __tablename__ = "parley_reindex_progress"

    target: Mapped[str] = mapped_column(Text, primary_key=True)
    config: Mapped[str] = mapped_column(Text, nullable=False)
    chunks: Mapped[int] = mapped_column(BigInteger, nullable=False)
    done_at: Mapped[int] = mapped_column(BigInteger, nullable=False)


class PipelineRow(Base):
    """A stored pipeline: its steps (`definition`, checked when saved, see
    resolvers/pipelines/definition.py), owned by a user, shared through `access_grant`
    rows of resource type `pipeline`. `version` counts saves."""

    __tablename__ = "parley_pipeline"
    __table_args__ = (Index("parley_pipeline_user_idx", "user_id", "updated_at"),)

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    definition = mapped_column(JSON, nullable=False)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at: Mapped[int] = mapped_column(BigInteger, nullable=False)


class PipelineRunRow(Base):
    """One run of a pipeline, by whoever started it: the definition it ran (a later edit
    does not rewrite history), each step's record in `steps` (name, kind, input, output,
    started/ended in ms, tokens, error), and how it ended (`status`: running, succeeded,
    failed, stopped). While it runs, `lease_owner` is the instance running it and
    `heartbeat_at` (ms) when that instance last said so (resolvers/tasks/leases.py)."""

    __tablename__ = "parley_pipeline_run"
    __table_args__ = (Index("parley_pipeline_run_pipeline_idx", "pipeline_id", "started_at"),
                      Index("parley_pipeline_run_status_idx", "status"))

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    pipeline_id: Mapped[str] = mapped_column(Text, nullable=False)
    pipeline_version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    user_id: Mapped[str] = mapped_column(Text, nullable=False)
    task_id: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    input: Mapped[str] = mapped_column(Text, nullable=False)
    output: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    definition = mapped_column(JSON, nullable=False)
    steps = mapped_column(JSON, nullable=False)
    started_at: Mapped[int] = mapped_column(BigInteger, nullable=False)  # ms
    ended_at: Mapped[int | None] = mapped_column(BigInteger)  # ms
    lease_owner: Mapped[str | None] = mapped_column(Text)
    heartbeat_at: Mapped[int | None] = mapped_column(BigInteger)  # ms
