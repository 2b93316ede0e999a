"""The embedded vector store: collections, their chunks, and a full-text index of the
chunks' texts in the database's own engine (SQLite FTS5, PostgreSQL tsvector).

Both indexes tokenise without stemming or stop words ('simple' on PostgreSQL, FTS5's
unicode61 on SQLite), like Open WebUI's whitespace BM25, so a keyword matches alike on
both databases and in every language.

Revision ID: 0006_vectors
Revises: 0005_rate_limit
Create Date: 2026-12-07
"""

from alembic import op

from data.tables import Base

revision = "0006_vectors"
down_revision = "0005_rate_limit"
branch_labels = None
depends_on = None

TABLES = ("parley_vector_collection", "parley_vector_chunk")

# FTS5's "external content" form: the index holds no copy of the texts, and the
# triggers keep it in step with the chunk table inside the writing transaction.
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE parley_vector_chunk_fts USING fts5("
    "text, content='parley_vector_chunk', content_rowid='pk', tokenize='unicode61')",
    "CREATE TRIGGER parley_vector_chunk_ai AFTER INSERT ON parley_vector_chunk BEGIN "
    "INSERT INTO parley_vector_chunk_fts(rowid, text) VALUES (new.pk, new.text); END",
    "CREATE TRIGGER parley_vector_chunk_ad AFTER DELETE ON parley_vector_chunk BEGIN "
    "INSERT INTO parley_vector_chunk_fts(parley_vector_chunk_fts, rowid, text) "
    "VALUES ('delete', old.pk, old.text); END",
    "CREATE TRIGGER parley_vector_chunk_au AFTER UPDATE ON parley_vector_chunk BEGIN "
    "INSERT INTO parley_vector_chunk_fts(parley_vector_chunk_fts, rowid, text) "
    "VALUES ('delete', old.pk, old.text); "
    "INSERT INTO parley_vector_chunk_fts(rowid, text) VALUES (new.pk, new.text); END",
)
POSTGRES_FTS = (
    "ALTER TABLE parley_vector_chunk ADD COLUMN text_search tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED",
    "CREATE INDEX parley_vector_chunk_text_search_idx ON parley_vector_chunk "
    "USING gin (text_search)",
)


def upgrade() -> None:
    bind = op.get_bind()
    Base.metadata.create_all(bind, tables=[Base.metadata.tables[t] for t in TABLES])
    for statement in SQLITE_FTS if bind.dialect.name == "sqlite" else POSTGRES_FTS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS parley_vector_chunk_fts")
    op.drop_table("parley_vector_chunk")
    op.drop_table("parley_vector_collection")
