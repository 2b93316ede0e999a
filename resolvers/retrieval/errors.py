"""The data layer's retrieval failures as domain errors."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from data.llm.base import UpstreamError
from data.vectors import DimensionMismatch, StoreUnavailable, VectorStoreError
from resolvers.completions.relay import upstream_failed
from resolvers.errors import Invalid, Unavailable, UpstreamFailed


@contextlib.contextmanager
def store_errors() -> Iterator[None]:
    try:
        yield
    except DimensionMismatch as error:
        raise UpstreamFailed(
            f"{error} The embedding model makes vectors of another size than this "
            "collection was built with; re-index it after changing RAG_EMBEDDING_MODEL.",
            reason="embedding_dimension") from None
    except VectorStoreError as error:
        raise Invalid(str(error), reason="invalid_retrieval") from None
    except StoreUnavailable as error:
        raise Unavailable(str(error), reason="vector_store_unavailable") from None
    except UpstreamError as error:
        raise upstream_failed(error) from None
