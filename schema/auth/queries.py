"""Who is asking."""

import strawberry

from resolvers.auth.authenticate import current_viewer
from schema.auth.types import Viewer
from schema.context import Info


@strawberry.type
class AuthQueries:
    @strawberry.field(description="The caller, or null when no credentials were sent. "
                                  "Invalid, expired or revoked credentials are an "
                                  "UNAUTHENTICATED error, never null.")
    async def viewer(self, info: Info) -> Viewer | None:
        viewer = await current_viewer(info.context)
        return None if viewer is None else Viewer.from_viewer(viewer)
