"""Operator commands, run beside the server on the same settings (environment):

    python -m cli reindex [--restart] [--limit N]

`reindex` writes every file into `file-<id>` and every knowledge base into its
collection, in the store VECTOR_DB names, with RAG_EMBEDDING_ENGINE / _MODEL: how an
adopted Open WebUI database gets its knowledge searchable, and how collections follow a
new model or store. It shows its progress on stderr and can be stopped at any time: the
next run resumes after the last file or knowledge base written (`--restart` starts
over). Composition like asgi.py's, without serving: nothing else of the server starts.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from sqlalchemy.exc import SQLAlchemyError

from asgi import build_services
from data.llm.upstreams import Upstreams
from data.migrate import DatabaseRefused, migrate
from data.settings import SettingsError, load_settings
from resolvers.context import Services
from resolvers.retrieval.embedder import ConfiguredEmbedder
from resolvers.retrieval.reindex import Outcome, Step, reindex

BAR = 30


class Progress:
    """One line per file or knowledge base written: a bar, the count, what and how much."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, step: Step) -> None:
        filled = BAR * step.index // max(step.total, 1)
        elapsed = time.monotonic() - self.started
        print(f"[{'#' * filled}{'.' * (BAR - filled)}] {step.index}/{step.total} "
              f"{step.target}: {step.chunks} chunks ({elapsed:.1f} s)", file=sys.stderr,
              flush=True)


async def _open(services: Services) -> None:
    await migrate(services.engine)  # the progress table may be new
    async with services.write_sessionmaker() as session:  # as a server start would
        await services.config.seed_database(session)
        await session.commit()
    services.llm = Upstreams(services.settings.upstreams)
    # The engine the server uses now: the `rag.*` config rows, which admins may have
    # changed since the environment seeded them.
    services.embedder = ConfiguredEmbedder(services)
    await services.embedder.follow_config()
    if hasattr(type(services.vectors), "connect"):  # a store with a server
        await services.vectors.connect()


async def _close(services: Services) -> None:
    if services.llm is not None:
        await services.llm.aclose()
    await services.vectors.close()
    await services.reader.close()
    await services.engine.dispose()


async def run_reindex(restart: bool, limit: int | None) -> Outcome:
    services = build_services(load_settings())
    try:
        await _open(services)
        return await reindex(services, restart=restart, limit=limit, report=Progress())
    finally:
        await _close(services)


def summary(outcome: Outcome) -> tuple[str, int]:
    note = (" (progress of a run with another store or model was dropped)"
            if outcome.discarded else "")
    done = (f"{outcome.written} written ({outcome.chunks} chunks, {outcome.embedded} "
            f"embedded), {outcome.resumed} done by an earlier run, of {outcome.total}{note}")
    if outcome.failed is not None:
        target, reason = outcome.failed
        return f"reindex: stopped at {target}: {reason}\n{done}; run again to resume", 1
    if not outcome.finished:
        return f"reindex: stopped as asked: {done}; run again to resume", 0
    return f"reindex: finished: {done}", 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli", description="Parley's operator "
                                     "commands.")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("reindex", help="re-index every file and knowledge base "
                                  "into the configured vector store")
    command.add_argument("--restart", action="store_true",
                         help="forget an unfinished run's progress and start over")
    command.add_argument("--limit", type=int, metavar="N",
                         help="stop after N files and knowledge bases (resume later)")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    try:
        outcome = asyncio.run(run_reindex(args.restart, args.limit))
    except (SettingsError, DatabaseRefused) as error:
        print(f"reindex: {error}", file=sys.stderr)
        return 2
    except (OSError, SQLAlchemyError) as error:
        print(f"reindex: cannot use the database: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("reindex: interrupted; run again to resume", file=sys.stderr)
        return 130
    text, status = summary(outcome)
    print(text, file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
