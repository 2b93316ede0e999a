"""The embedded vector store's tables (data/vectors/embedded.py). Open WebUI never reads
them. Keyword search indexes `text` with the database's own full-text engine: an FTS5
table kept by triggers on SQLite, a generated `tsvector` column on PostgreSQL; both are
made by the migration alone, so the ORM does not name them."""

from sqlalchemy import JSON, BigInteger, ForeignKey, Identity, Index, Integer, LargeBinary, Text
from sqlalchemy.orm import Mapped, mapped_column

from data.tables.base import Base


class VectorCollectionRow(Base):
    """One collection. `version` grows with every write to it, so each instance can tell
    whether the matrix it keeps in memory is still the collection's."""

    __tablename__ = "parley_vector_collection"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    dimension: Mapped[int | None] = mapped_column(Integer)  # fixed by the first vector
    created_at: Mapped[int] = mapped_column(BigInteger, nullable=False)


class VectorChunkRow(Base):
    """One item: its text, its vector (float32, little-endian) and its metadata. `pk` is
    the full-text index's row id and the order of rows in the in-memory matrix."""

    __tablename__ = "parley_vector_chunk"
    __table_args__ = (
        Index("parley_vector_chunk_item_idx", "collection", "id", unique=True),
        # A collection's rows in pk order, read by range (refreshing a matrix) without
        # scanning the whole table, whose rows each carry a vector.
        Index("parley_vector_chunk_order_idx", "collection", "pk"),
        # pks never come back after a delete, so the in-memory matrices can be
        # refreshed with only the rows above the highest pk they hold.
        {"sqlite_autoincrement": True},
    )

    pk: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    Identity(), primary_key=True)
    collection: Mapped[str] = mapped_column(
        Text, ForeignKey("parley_vector_collection.name", ondelete="CASCADE"), nullable=False)
    id: Mapped[str] = mapped_column(Text, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    vector: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    meta: Mapped[dict] = mapped_column("metadata", JSON, nullable=False)
