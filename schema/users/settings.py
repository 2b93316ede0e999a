"""One's own settings, info and permissions, and the default permissions: the same
resolvers as Open WebUI's `/api/v1/users/user/*` and `/default/permissions` routes."""

from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from resolvers.system import config as server_config
from resolvers.users import settings as user_settings
from resolvers.users import users
from schema.context import Info
from schema.users.mutations import UserPayload
from schema.users.types import User


@strawberry.input(description="Changes to the caller's settings: top-level keys replace "
                              "the stored ones; `ui` changes key by key, null removing a "
                              "key.")
class UpdateViewerSettingsInput:
    settings: JSON = strawberry.field(description="A JSON object, as Open WebUI's web client "
                                                 "stores it (`ui`, ...).")


@strawberry.input(description="Keys to set in the caller's info; the others stay.")
class UpdateViewerInfoInput:
    info: JSON = strawberry.field(description="A JSON object.")


@strawberry.input(description="Default permissions to change; flags left out keep their "
                              "value.")
class UpdateDefaultPermissionsInput:
    permissions: JSON = strawberry.field(
        description='Sections of true/false flags, e.g. {"chat": {"delete": false}}.')


@strawberry.input(description="The caller's time zone.")
class UpdateViewerTimezoneInput:
    timezone: str = strawberry.field(description="An IANA time zone name, e.g. Europe/Paris.")


@strawberry.type(description="The caller's settings after the change.")
class ViewerSettingsPayload:
    settings: JSON = strawberry.field(description="The settings as stored.")


@strawberry.type(description="The caller's info after the change.")
class ViewerInfoPayload:
    info: JSON = strawberry.field(description="The info as stored.")


@strawberry.type(description="The default permissions after the change.")
class DefaultPermissionsPayload:
    permissions: JSON = strawberry.field(description="Sections of true/false flags.")


@strawberry.type(description="Whom to ask for help with one's account.")
class AdminContact:
    name: str | None = strawberry.field(description="The administrator's name.")
    email: str | None = strawberry.field(description="The administrator's e-mail address.")


@strawberry.type
class SettingsQueries:
    @strawberry.field(description="The administrator people should contact: the configured "
                                  "admin e-mail (ADMIN_EMAIL), else the primary "
                                  "administrator. Any signed-in account, pending ones too; "
                                  "FORBIDDEN when administrators hide it.")
    async def admin_contact(self, info: Info) -> AdminContact:
        contact = await server_config.admin_contact(info.context)
        return AdminContact(name=contact.name, email=contact.email)

    @strawberry.field(description="What every account may do before its groups add to it "
                                  "(administrators only).")
    async def default_permissions(self, info: Info) -> JSON:
        return await user_settings.get_default_permissions(info.context)


@strawberry.type
class SettingsMutations:
    @strawberry.mutation(description="Change the caller's own settings (approved accounts). "
                                     "Tool servers need the direct_tool_servers "
                                     "permission and are dropped without it.")
    async def update_viewer_settings(
            self, info: Info,
            input: Annotated[UpdateViewerSettingsInput,
                             strawberry.argument(description="The changes.")]
    ) -> ViewerSettingsPayload:
        settings = await user_settings.update_own_settings(info.context, input.settings)
        return ViewerSettingsPayload(settings=settings)

    @strawberry.mutation(description="Record the caller's time zone (any signed-in "
                                     "account).")
    async def update_viewer_timezone(
            self, info: Info,
            input: Annotated[UpdateViewerTimezoneInput,
                             strawberry.argument(description="The time zone.")]
    ) -> UserPayload:
        row = await users.update_timezone(info.context, input.timezone)
        return UserPayload(user=User.from_row(row))

    @strawberry.mutation(description="Set keys of the caller's own info (approved accounts).")
    async def update_viewer_info(
            self, info: Info,
            input: Annotated[UpdateViewerInfoInput, strawberry.argument(description="The keys.")]
    ) -> ViewerInfoPayload:
        return ViewerInfoPayload(info=await user_settings.update_own_info(info.context,
                                                                          input.info))

    @strawberry.mutation(description="Change the default permissions (administrators only).")
    async def update_default_permissions(
            self, info: Info,
            input: Annotated[UpdateDefaultPermissionsInput,
                             strawberry.argument(description="The flags to change.")]
    ) -> DefaultPermissionsPayload:
        permissions = await user_settings.set_default_permissions(info.context,
                                                                  input.permissions)
        return DefaultPermissionsPayload(permissions=permissions)
