"""The schemas this server serves (RFC 7643 §4, §8.7): User with the enterprise
extension, and Group, with every attribute's characteristics. They drive discovery,
input checking, PATCH paths, filters and projection alike, so what `/Schemas` publishes
is what the server does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


@dataclass(frozen=True)
class Attribute:
    name: str
    type: str = "string"
    multi: bool = False
    required: bool = False
    case_exact: bool = False
    mutability: str = "readWrite"
    returned: str = "default"
    uniqueness: str = "none"
    description: str = ""
    canonical: tuple[str, ...] = ()
    reference_types: tuple[str, ...] = ()
    sub: tuple[Attribute, ...] = ()

    def child(self, name: str) -> Attribute | None:
        lowered = name.lower()
        return next((a for a in self.sub if a.name.lower() == lowered), None)

    @property
    def read_only(self) -> bool:
        return self.mutability == "readOnly"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name, "type": self.type, "multiValued": self.multi,
            "description": self.description, "required": self.required,
            "caseExact": self.case_exact, "mutability": self.mutability,
            "returned": self.returned, "uniqueness": self.uniqueness}
        if self.canonical:
            out["canonicalValues"] = list(self.canonical)
        if self.reference_types:
            out["referenceTypes"] = list(self.reference_types)
        if self.sub:
            out["subAttributes"] = [a.to_json() for a in self.sub]
        return out


@dataclass(frozen=True)
class Schema:
    id: str
    name: str
    description: str
    attributes: tuple[Attribute, ...]

    def attribute(self, name: str) -> Attribute | None:
        lowered = name.lower()
        return next((a for a in self.attributes if a.name.lower() == lowered), None)

    def to_json(self, location: str) -> dict[str, Any]:
        return {"schemas": [SCHEMA], "id": self.id, "name": self.name,
                "description": self.description,
                "attributes": [a.to_json() for a in self.attributes],
                "meta": {"resourceType": "Schema", "location": location}}


@dataclass(frozen=True)
class ResourceType:
    id: str
    endpoint: str
    description: str
    schema: Schema
    extensions: tuple[Schema, ...] = field(default=())

    def extension(self, urn: str) -> Schema | None:
        lowered = urn.lower()
        return next((s for s in self.extensions if s.id.lower() == lowered), None)

    def to_json(self, location: str) -> dict[str, Any]:
        return {"schemas": [RESOURCE_TYPE], "id": self.id, "name": self.id,
                "endpoint": self.endpoint, "description": self.description,
                "schema": self.schema.id,
                "schemaExtensions": [{"schema": s.id, "required": False}
                                     for s in self.extensions],
                "meta": {"resourceType": "ResourceType", "location": location}}


# Common attributes (RFC 7643 §3.1): on every resource, in no schema's attribute list.
ID = Attribute("id", case_exact=True, mutability="readOnly", returned="always",
               uniqueness="server", description="The server's identifier of the resource.")
EXTERNAL_ID = Attribute("externalId", case_exact=True,
                        description="The provisioning client's identifier of the resource.")
META = Attribute("meta", type="complex", mutability="readOnly",
                 description="Resource metadata.", sub=(
                     Attribute("resourceType", case_exact=True, mutability="readOnly"),
                     Attribute("created", type="dateTime", mutability="readOnly"),
                     Attribute("lastModified", type="dateTime", mutability="readOnly"),
                     Attribute("location", type="reference", case_exact=True,
                               mutability="readOnly", reference_types=("uri",)),
                     Attribute("version", case_exact=True, mutability="readOnly")))
COMMON = (ID, EXTERNAL_ID, META)


def _text(name: str, description: str, **kw: Any) -> Attribute:
    return Attribute(name, description=description, **kw)


def _plural(name: str, description: str, types: tuple[str, ...], *, value_type="string",
            reference_types: tuple[str, ...] = (), required: bool = False,
            value_case_exact: bool = False) -> Attribute:
    """A multi-valued attribute of the usual shape: value, display, type, primary."""
    return Attribute(name, type="complex", multi=True, required=required,
                     description=description, sub=(
                         Attribute("value", type=value_type, case_exact=value_case_exact,
                                   reference_types=reference_types, required=True,
                                   description=f"One of the {name}."),
                         _text("display", "A human-readable name, for display only."),
                         _text("type", "What kind of value this is.", canonical=types),
                         Attribute("primary", type="boolean",
                                   description="The preferred value; at most one.")))


USER = Schema(CORE_USER, "User", "A user account", (
    Attribute("userName", required=True, uniqueness="server",
              description="The unique name the identity provider knows the user by."),
    Attribute("name", type="complex", description="The user's name, in parts.", sub=(
        _text("formatted", "The full name, formatted for display."),
        _text("familyName", "The family name."),
        _text("givenName", "The given name."),
        _text("middleName", "The middle name(s)."),
        _text("honorificPrefix", "E.g. Ms."),
        _text("honorificSuffix", "E.g. III."))),
    _text("displayName", "The name shown for the user (the account's name)."),
    _text("nickName", "A casual name."),
    Attribute("profileUrl", type="reference", reference_types=("external",),
              description="A URL of the user's online profile."),
    _text("title", "The user's title, e.g. Vice President."),
    _text("userType", "The relationship to the organization, e.g. Employee."),
    _text("preferredLanguage", "The preferred written or spoken language."),
    _text("locale", "The default location, for localization."),
    _text("timezone", "The time zone, in IANA format, e.g. Europe/Paris."),
    Attribute("active", type="boolean",
              description="Whether the account may sign in. false deactivates it and ends "
                          "its sessions at once."),
    Attribute("password", mutability="writeOnly", returned="never", case_exact=True,
              description="A password to sign in with; never returned."),
    _plural("emails", "E-mail addresses. The primary one (else the first) is the address "
            "the account signs in with. Required unless userName is an e-mail address.",
            ("work", "home", "other"), required=True),
    _plural("phoneNumbers", "Phone numbers.",
            ("work", "home", "mobile", "fax", "pager", "other")),
    _plural("ims", "Instant messaging addresses.",
            ("aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo")),
    _plural("photos", "URLs of photos of the user.", ("photo", "thumbnail"),
            value_type="reference", reference_types=("external",)),
    Attribute("addresses", type="complex", multi=True, description="Physical addresses.",
              sub=(_text("formatted", "The full address, formatted for display."),
                   _text("streetAddress", "The street address."),
                   _text("locality", "The city or locality."),
                   _text("region", "The state or region."),
                   _text("postalCode", "The postal code."),
                   _text("country", "The country, as an ISO 3166-1 alpha-2 code."),
                   _text("type", "What kind of address.", canonical=("work", "home",
                                                                      "other")),
                   Attribute("primary", type="boolean",
                             description="The preferred address; at most one."))),
    Attribute("groups", type="complex", multi=True, mutability="readOnly",
              description="The groups the user is a member of (change them on the group).",
              sub=(Attribute("value", mutability="readOnly", case_exact=True,
                             description="The group's id."),
                   Attribute("$ref", type="reference", reference_types=("User", "Group"),
                             mutability="readOnly", case_exact=True,
                             description="The group's URI."),
                   Attribute("display", mutability="readOnly",
                             description="The group's name."),
                   Attribute("type", mutability="readOnly", canonical=("direct", "indirect"),
                             description="How the user is a member."))),
    _plural("entitlements", "Entitlements the user has.", ()),
    _plural("roles", "Roles the user has (kept as given; they grant nothing here).", ()),
    _plural("x509Certificates", "X.509 certificates of the user.", (),
            value_type="binary", value_case_exact=True),
))

ENTERPRISE = Schema(ENTERPRISE_USER, "EnterpriseUser", "Enterprise user", (
    _text("employeeNumber", "The number the organization assigned the user."),
    _text("costCenter", "The cost center."),
    _text("organization", "The organization."),
    _text("division", "The division."),
    _text("department", "The department."),
    Attribute("manager", type="complex", description="The user's manager.", sub=(
        _text("value", "The manager's id."),
        Attribute("$ref", type="reference", reference_types=("User",), case_exact=True,
                  description="The manager's URI."),
        Attribute("displayName", mutability="readOnly",
                  description="The manager's name (not kept by this server)."))),
))

GROUP = Schema(CORE_GROUP, "Group", "A group of users", (
    Attribute("displayName", required=True, uniqueness="server",
              description="The group's name, unique ignoring letter case."),
    Attribute("members", type="complex", multi=True,
              description="The users in the group (groups cannot be members).", sub=(
                  Attribute("value", mutability="immutable", case_exact=True, required=True,
                            description="The member's id."),
                  Attribute("$ref", type="reference", reference_types=("User",),
                            mutability="immutable", case_exact=True,
                            description="The member's URI."),
                  Attribute("type", mutability="immutable", canonical=("User",),
                            description="The kind of member: always User."),
                  Attribute("display", mutability="readOnly", returned="request",
                            description="The member's name, returned when asked for."))),
))

USERS = ResourceType("User", "/Users", "User accounts", USER, (ENTERPRISE,))
GROUPS = ResourceType("Group", "/Groups", "Groups of users", GROUP)
RESOURCE_TYPES = (USERS, GROUPS)
SCHEMAS = (USER, ENTERPRISE, GROUP)


def resource_type(name: str) -> ResourceType | None:
    return next((t for t in RESOURCE_TYPES if t.id.lower() == name.lower()), None)


def schema(urn: str) -> Schema | None:
    return next((s for s in SCHEMAS if s.id.lower() == urn.lower()), None)


@dataclass(frozen=True)
class Target:
    """What an attribute path names: an attribute of the core schema or of an extension,
    perhaps one of its sub-attributes; `attr` is None for a bare extension URN."""

    extension: Schema | None
    attr: Attribute | None
    sub: Attribute | None = None

    @property
    def urn(self) -> str | None:
        return self.extension.id if self.extension else None


def resolve(rtype: ResourceType, path: str) -> Target | None:
    """Resolve `path` (`userName`, `name.givenName`, `urn:…:User:userName`,
    `urn:…:enterprise:2.0:User:manager.value`, or an extension's URN) ignoring case;
    None when the resource type has no such attribute."""
    lowered = path.lower()
    rest, extension = path, None
    for candidate in (rtype.schema, *rtype.extensions):
        prefix = candidate.id.lower()
        if lowered == prefix:
            return Target(candidate, None) if candidate is not rtype.schema else None
        if lowered.startswith(prefix + ":"):
            rest = path[len(prefix) + 1:]
            extension = candidate if candidate is not rtype.schema else None
            break
    name, _, sub_name = rest.partition(".")
    if extension is not None:
        attr = extension.attribute(name)
    else:
        attr = next((a for a in COMMON if a.name.lower() == name.lower()), None) or \
            rtype.schema.attribute(name)
    if attr is None:
        return None
    if not sub_name:
        return Target(extension, attr)
    sub = attr.child(sub_name)
    return Target(extension, attr, sub) if sub is not None else None
