"""Request and response shapes of the directory API (marshmallow; also the OpenAPI source).

The shapes check types and sizes; the domain (domain/directory.py) checks and
normalises the values themselves (emails, domains, phones, ...), so the rules
live in one place. Every schema refuses unknown fields (marshmallow's default).
A PATCH body is the create body with nothing required; `null` clears a field.
"""

from __future__ import annotations

from marshmallow import Schema, fields, post_load, validate

from relay_tickets.adapters.directory_repository import MAX_PAGE
from relay_tickets.domain.directory import (
    ADDRESS_MAX,
    COMPANY_NAME_MAX,
    DOMAIN_MAX,
    EMAIL_MAX,
    EMPLOYEE_ROLES,
    ID_MAX,
    LIST_MAX,
    NAME_MAX,
    PORTAL_ACCESS,
)
from relay_tickets.domain.parties import EMPLOYEE, GROUP, Party

PHONE_MAX = 40


def _name(max_len: int = NAME_MAX, **kw) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=max_len), **kw)


def _email(**kw) -> fields.String:
    return fields.String(validate=validate.Length(max=EMAIL_MAX), metadata={"format": "email"}, **kw)


def _phone(**kw) -> fields.String:
    return fields.String(
        validate=validate.Length(max=PHONE_MAX), metadata={"description": "Stored as digits with an optional +."}, **kw
    )


def _id(**kw) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=ID_MAX), **kw)


def _list(item: fields.Field, **kw) -> fields.List:
    return fields.List(item, validate=validate.Length(max=LIST_MAX), **kw)


class DirectoryPartySchema(Schema):
    """An employee or a group (a manager, an observer)."""

    kind = fields.String(required=True, validate=validate.OneOf((EMPLOYEE, GROUP)))
    id = _id(required=True)

    @post_load
    def make(self, data, **_kw) -> Party:
        return Party(data["kind"], data["id"])


def _manager() -> fields.Nested:
    return fields.Nested(
        DirectoryPartySchema,
        allow_none=True,
        metadata={"description": "Responsible for this client's tickets by default."},
    )


def _observers() -> fields.List:
    return _list(fields.Nested(DirectoryPartySchema), metadata={"description": "Copied onto new tickets."})


class DirectoryEntrySchema(Schema):
    """What every directory entry shows besides its own fields."""

    id = fields.String()
    active = fields.Boolean()
    version = fields.Integer(metadata={"description": "Also the ETag; send it back in If-Match to change the entry."})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class DirectoryListQuerySchema(Schema):
    q = fields.String(validate=validate.Length(min=1, max=200), metadata={"description": "Name (or email) contains."})
    active = fields.Boolean(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    id = fields.List(
        fields.String(validate=validate.Length(min=1, max=36)),
        load_default=None,
        validate=validate.Length(max=MAX_PAGE),
        metadata={"description": "Only these (repeated): names for the ids a list shows, in one call."},
    )


class DirectoryChoiceSchema(Schema):
    """Enough to pick a company, contact or service object for a ticket, and no more."""

    id = fields.String()
    name = fields.String()
    active = fields.Boolean()
    company_id = fields.String(
        allow_none=True, metadata={"description": "A contact's or service object's company (companies have none)."}
    )
    category_id = fields.Integer(
        allow_none=True,
        metadata={"description": "A company's client category, which SLA rules look at (a new ticket's preview)."},
    )


class DirectoryChoicePageSchema(Schema):
    items = fields.List(fields.Nested(DirectoryChoiceSchema))
    next_cursor = fields.String(allow_none=True)


# -- companies ------------------------------------------------------------------------
class CompanyPatchSchema(Schema):
    name = _name(COMPANY_NAME_MAX)
    email = _email(allow_none=True)
    phone = _phone(allow_none=True)
    domains = _list(
        fields.String(validate=validate.Length(max=DOMAIN_MAX)),
        metadata={"description": "Mail from unknown senders at these domains belongs to this company."},
    )
    category_id = fields.Integer(strict=True, allow_none=True, metadata={"description": "A client category's id."})
    manager = _manager()
    observers = _observers()


class CompanyCreateSchema(CompanyPatchSchema):
    name = _name(COMPANY_NAME_MAX, required=True)


class CompanySchema(DirectoryEntrySchema):
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    domains = fields.List(fields.String())
    category_id = fields.Integer(allow_none=True)
    manager = fields.Nested(DirectoryPartySchema, allow_none=True)
    observers = fields.List(fields.Nested(DirectoryPartySchema))


class CompanyPageSchema(Schema):
    items = fields.List(fields.Nested(CompanySchema))
    next_cursor = fields.String(allow_none=True)


class CompanyListQuerySchema(DirectoryListQuerySchema):
    category_id = fields.Integer(load_default=None, allow_none=True)
    domain = fields.String(load_default=None, validate=validate.Length(max=DOMAIN_MAX))


# -- contacts ------------------------------------------------------------------------
class ContactPatchSchema(Schema):
    name = _name()
    emails = _list(_email(), metadata={"description": "The first is the main address."})
    phones = _list(_phone())
    company_id = _id(allow_none=True, metadata={"description": "None: a private person."})
    manager = _manager()
    observers = _observers()
    copy_to = _email(allow_none=True)
    portal_access = fields.String(
        validate=validate.OneOf(PORTAL_ACCESS),
        metadata={"description": "Whose tickets the contact sees in the portal."},
    )
    service_object_ids = _list(_id())
    supervised_company_ids = _list(_id(), metadata={"description": "Only with portal_access `supervised`."})


class ContactCreateSchema(ContactPatchSchema):
    name = _name(required=True)


class ContactSchema(DirectoryEntrySchema):
    name = fields.String()
    emails = fields.List(fields.String())
    phones = fields.List(fields.String())
    company_id = fields.String(allow_none=True)
    manager = fields.Nested(DirectoryPartySchema, allow_none=True)
    observers = fields.List(fields.Nested(DirectoryPartySchema))
    copy_to = fields.String(allow_none=True)
    portal_access = fields.String()
    service_object_ids = fields.List(fields.String())
    supervised_company_ids = fields.List(fields.String())


class ContactPageSchema(Schema):
    items = fields.List(fields.Nested(ContactSchema))
    next_cursor = fields.String(allow_none=True)


class ContactListQuerySchema(DirectoryListQuerySchema):
    company_id = _id(load_default=None)
    email = fields.String(load_default=None, validate=validate.Length(max=EMAIL_MAX))
    phone = fields.String(load_default=None, validate=validate.Length(max=PHONE_MAX))


# -- service objects --------------------------------------------------------------------
class ServiceObjectPatchSchema(Schema):
    company_id = _id()
    name = _name(COMPANY_NAME_MAX)
    address = fields.String(allow_none=True, validate=validate.Length(max=ADDRESS_MAX))
    manager = _manager()
    observers = _observers()


class ServiceObjectCreateSchema(ServiceObjectPatchSchema):
    company_id = _id(required=True)
    name = _name(COMPANY_NAME_MAX, required=True)


class ServiceObjectSchema(DirectoryEntrySchema):
    company_id = fields.String()
    name = fields.String()
    address = fields.String(allow_none=True)
    manager = fields.Nested(DirectoryPartySchema, allow_none=True)
    observers = fields.List(fields.Nested(DirectoryPartySchema))


class ServiceObjectPageSchema(Schema):
    items = fields.List(fields.Nested(ServiceObjectSchema))
    next_cursor = fields.String(allow_none=True)


class ServiceObjectListQuerySchema(DirectoryListQuerySchema):
    company_id = _id(load_default=None)


# -- employees ------------------------------------------------------------------------
class EmployeePatchSchema(Schema):
    name = _name()
    email = _email()
    phone = _phone(allow_none=True)
    role = fields.String(validate=validate.OneOf(EMPLOYEE_ROLES))
    groups = _list(_id(), metadata={"description": "Ids of the groups the employee is a member of."})


class EmployeeCreateSchema(EmployeePatchSchema):
    name = _name(required=True)
    email = _email(required=True)
    role = fields.String(required=True, validate=validate.OneOf(EMPLOYEE_ROLES))


class EmployeeSchema(DirectoryEntrySchema):
    name = fields.String()
    email = fields.String()
    phone = fields.String(allow_none=True)
    role = fields.String()
    groups = fields.List(fields.String())


class EmployeePageSchema(Schema):
    items = fields.List(fields.Nested(EmployeeSchema))
    next_cursor = fields.String(allow_none=True)


class EmployeeListQuerySchema(DirectoryListQuerySchema):
    role = fields.String(load_default=None, validate=validate.OneOf(EMPLOYEE_ROLES))
    email = fields.String(load_default=None, validate=validate.Length(max=EMAIL_MAX))


# -- groups ------------------------------------------------------------------------
class NotificationListSchema(Schema):
    """Who hears about a group's tickets: employees (ids) and/or plain addresses."""

    employees = _list(_id(), load_default=list)
    emails = _list(_email(), load_default=list)


class StaffGroupPatchSchema(Schema):
    name = _name()
    members = _list(_id(), metadata={"description": "Employee ids."})
    notification_list = fields.Nested(NotificationListSchema)


class StaffGroupCreateSchema(StaffGroupPatchSchema):
    name = _name(required=True)


class StaffGroupSchema(DirectoryEntrySchema):
    name = fields.String()
    members = fields.List(fields.String())
    notification_list = fields.Nested(NotificationListSchema)


class StaffGroupPageSchema(Schema):
    items = fields.List(fields.Nested(StaffGroupSchema))
    next_cursor = fields.String(allow_none=True)


class StaffGroupListQuerySchema(DirectoryListQuerySchema):
    pass
