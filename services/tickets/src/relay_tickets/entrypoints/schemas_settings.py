"""Request and response shapes of the settings API (marshmallow; also the OpenAPI source).

Booleans and integers are strict: `"yes"`, `1` for true or `"24"` for a number are
refused, so a typo in an administrator's script never flips a setting silently.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from relay_tickets.domain import branding
from relay_tickets.domain.catalog import ATTRIBUTE_KINDS
from relay_tickets.domain.file_types import KINDS as FILE_KINDS
from relay_tickets.domain.file_types import REFUSED_MAX
from relay_tickets.domain.lifecycle import CLOSED_KIND, OPEN_KIND
from relay_tickets.entrypoints.schemas_tickets import not_blank
from relaykit.identity import STAFF

KIB, MIB = 1024, 1024 * 1024


class StrictBoolean(fields.Boolean):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class StrictInteger(fields.Integer):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool):  # bool is an int to Python, not to a JSON client
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def _key(max_len: int = 60, **kw: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=max_len), **kw)


def _name(**kw: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=120), not_blank], **kw)


def _position(**kw: Any) -> StrictInteger:
    return StrictInteger(validate=validate.Range(min=0, max=1_000_000), **kw)


# Creating: position omitted (or null) puts the new entry last.
_last = {"load_default": None, "allow_none": True}


# -- ticket types ---------------------------------------------------------------------------
class TicketTypeCreateSchema(Schema):
    key = _key(required=True)
    name = _name(required=True)
    internal = StrictBoolean(load_default=False)
    active = StrictBoolean(load_default=True)
    is_default = StrictBoolean(load_default=False)
    position = _position(**_last)


class TicketTypePatchSchema(Schema):
    key = _key()  # immutable: accepted only unchanged
    name = _name()
    internal = StrictBoolean()
    active = StrictBoolean()
    is_default = StrictBoolean()
    position = _position()
    new_default = _key(metadata={"description": "the type that becomes the default when this one stops being it"})


class TicketTypeSchema(Schema):
    id = fields.Integer()
    key = fields.String()
    name = fields.String()
    internal = fields.Boolean()
    active = fields.Boolean()
    is_default = fields.Boolean()
    own_lifecycle = fields.Boolean()
    position = fields.Integer()


class TicketTypeListSchema(Schema):
    items = fields.List(fields.Nested(TicketTypeSchema))


# -- lifecycles ---------------------------------------------------------------------------------
class LifecyclePutSchema(Schema):
    transitions = fields.List(
        fields.List(fields.String(validate=validate.Length(min=1, max=40)), validate=validate.Length(equal=2)),
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "[[from, to], ...]"},
    )


class LifecycleSchema(Schema):
    type_id = fields.Integer(allow_none=True)
    type = fields.String(allow_none=True)
    own = fields.Boolean()
    transitions = fields.List(fields.List(fields.String()))


# -- statuses ---------------------------------------------------------------------------------------
class StatusCreateSchema(Schema):
    key = _key(40, required=True)
    name = _name(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([OPEN_KIND, CLOSED_KIND]))
    sla_pausing = StrictBoolean(load_default=False)
    position = _position(**_last)


class StatusPatchSchema(Schema):
    key = _key(40)  # immutable: accepted only unchanged
    name = _name()
    kind = fields.String(validate=validate.OneOf([OPEN_KIND, CLOSED_KIND]))
    sla_pausing = StrictBoolean()
    position = _position()


class StatusSchema(Schema):
    key = fields.String()
    name = fields.String()
    kind = fields.String()
    sla_pausing = fields.Boolean()
    builtin = fields.Boolean()
    position = fields.Integer()


class StatusListSchema(Schema):
    items = fields.List(fields.Nested(StatusSchema))


# -- priorities -----------------------------------------------------------------------------------------
class PriorityCreateSchema(Schema):
    key = _key(required=True)
    name = _name(required=True)
    colour = fields.String(load_default="#808080", validate=validate.Length(max=7), metadata={"description": "#RRGGBB"})
    position = _position(**_last)
    is_default = StrictBoolean(load_default=False)
    active = StrictBoolean(load_default=True)


class PriorityPatchSchema(Schema):
    key = _key()  # immutable: accepted only unchanged
    name = _name()
    colour = fields.String(validate=validate.Length(max=7), metadata={"description": "#RRGGBB"})
    position = _position()
    is_default = StrictBoolean()
    active = StrictBoolean()
    new_default = _key(metadata={"description": "the priority that becomes the default when this one stops being it"})


class PrioritySchema(Schema):
    id = fields.Integer()
    key = fields.String()
    name = fields.String()
    colour = fields.String()
    position = fields.Integer()
    is_default = fields.Boolean()
    active = fields.Boolean()


class PriorityListSchema(Schema):
    items = fields.List(fields.Nested(PrioritySchema))


# -- custom attributes ------------------------------------------------------------------------------------
_option = fields.String(validate=validate.Length(min=1, max=200))
_staff_role = fields.String(validate=validate.OneOf(sorted(STAFF)))


class AttributeCreateSchema(Schema):
    key = _key(required=True)
    name = _name(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(ATTRIBUTE_KINDS))
    options = fields.List(_option, load_default=list, validate=validate.Length(max=500))
    required = StrictBoolean(load_default=False)
    visible_roles = fields.List(
        _staff_role,
        load_default=list,
        validate=validate.Length(max=len(STAFF)),
        metadata={"description": "staff roles that see it; empty: all staff"},
    )
    visible_to_contacts = StrictBoolean(load_default=False)
    position = _position(**_last)
    active = StrictBoolean(load_default=True)


class AttributePatchSchema(Schema):
    key = _key()  # immutable: accepted only unchanged
    kind = fields.String(validate=validate.OneOf(ATTRIBUTE_KINDS))  # likewise
    name = _name()
    options = fields.List(_option, validate=validate.Length(max=500))
    required = StrictBoolean()
    visible_roles = fields.List(_staff_role, validate=validate.Length(max=len(STAFF)))
    visible_to_contacts = StrictBoolean()
    position = _position()
    active = StrictBoolean()
    force = StrictBoolean(
        load_default=False, metadata={"description": "drop list options even though tickets hold them"}
    )


class AttributeSchema(Schema):
    id = fields.Integer()
    type_id = fields.Integer()
    key = fields.String()
    name = fields.String()
    kind = fields.String()
    options = fields.List(fields.String())
    required = fields.Boolean()
    visible_roles = fields.List(fields.String())
    visible_to_contacts = fields.Boolean()
    position = fields.Integer()
    active = fields.Boolean()


class AttributeListSchema(Schema):
    items = fields.List(fields.Nested(AttributeSchema))


class AttributeRemovalSchema(Schema):
    outcome = fields.String(metadata={"description": "deactivated: tickets hold values for it"})
    tickets = fields.Integer()
    attribute = fields.Nested(AttributeSchema)


# -- client categories ---------------------------------------------------------------------------------------
class CategoryCreateSchema(Schema):
    name = _name(required=True)
    position = _position(**_last)


class CategoryPatchSchema(Schema):
    name = _name()
    position = _position()


class CategorySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    position = fields.Integer()


class CategoryListSchema(Schema):
    items = fields.List(fields.Nested(CategorySchema))


# -- desk settings -------------------------------------------------------------------------------------------
class DeskPatchSchema(Schema):
    default_comment_public = StrictBoolean()
    auto_close_hours = StrictInteger(validate=validate.Range(min=1, max=8760))
    reopen_window_days = StrictInteger(validate=validate.Range(min=0, max=365))
    attachment_max_bytes = StrictInteger(validate=validate.Range(min=KIB, max=100 * MIB))
    refused_file_types = fields.List(
        fields.String(validate=validate.Length(min=1, max=17)),
        validate=validate.Length(max=REFUSED_MAX),
        metadata={"description": f"files refused on upload: {' / '.join(FILE_KINDS)} and extensions like .iso"},
    )
    brand_name = fields.String(
        validate=[validate.Length(min=1, max=branding.NAME_MAX), not_blank],
        metadata={"description": "the desk's name in the agents' UI"},
    )
    brand_colour = fields.String(
        validate=validate.Regexp(r"#[0-9a-fA-F]{6}\Z", error="a colour is written #rrggbb"),
        metadata={"description": "#rrggbb: the UI's top bar and accents"},
    )
    brand_logo = fields.String(
        allow_none=True,
        validate=validate.Length(max=branding.LOGO_MAX_CHARS),
        metadata={
            "description": (
                f"a data: URL of a {' / '.join(branding.LOGO_TYPES)} image of at most "
                f"{branding.LOGO_MAX_BYTES // 1024} KB (no SVG); null or empty removes it"
            )
        },
    )


class DeskSchema(Schema):
    default_comment_public = fields.Boolean()
    auto_close_hours = fields.Integer()
    reopen_window_days = fields.Integer()
    attachment_max_bytes = fields.Integer()
    refused_file_types = fields.List(fields.String())
    brand_name = fields.String()
    brand_colour = fields.String()
    brand_logo = fields.String(allow_none=True)


# -- the portal -------------------------------------------------------------------------------------------------
class PortalAttributeSchema(Schema):
    key = fields.String()
    name = fields.String()
    kind = fields.String()
    options = fields.List(fields.String())
    required = fields.Boolean()


class PortalTypeSchema(Schema):
    key = fields.String()
    name = fields.String()
    is_default = fields.Boolean()
    attributes = fields.List(fields.Nested(PortalAttributeSchema))


class PortalTypeListSchema(Schema):
    items = fields.List(fields.Nested(PortalTypeSchema))
