"""Knowledge bases and grants for retrieval tests, written straight into Open WebUI's
`knowledge` and `access_grant` tables (the knowledge routes are another surface's)."""

from __future__ import annotations

import uuid

from data.tables import AccessGrantRow, KnowledgeRow


async def make_knowledge(app, owner_id: str, *grants: tuple[str, str, str],
                         knowledge_id: str | None = None) -> str:
    """A knowledge base of `owner_id`; each grant is (principal type, id, permission)."""
    knowledge_id = knowledge_id or str(uuid.uuid4())
    async with app.state.services.write_sessionmaker() as session:
        session.add(KnowledgeRow(id=knowledge_id, user_id=owner_id, name="Handbook",
                                 description="", meta={}, created_at=1, updated_at=1))
        for principal_type, principal_id, permission in grants:
            session.add(AccessGrantRow(
                id=str(uuid.uuid4()), resource_type="knowledge", resource_id=knowledge_id,
                principal_type=principal_type, principal_id=principal_id,
                permission=permission, created_at=1))
        await session.commit()
    return knowledge_id
