"""The standard routes of a collection resource, declared once.

    register_crud(
        app,
        path="/settings/priorities",
        id_part="<int:priority_id>",
        name="priority",
        plural="priorities",
        prefix="settings_",
        read_roles=STAFF,
        write_roles={ADMINISTRATOR},
        tags=["settings"],
        item=PrioritySchema,
        items=PriorityListSchema,
        create_body=PriorityCreateSchema,
        patch_body=PriorityPatchSchema,
        listing=Op("List priorities", partial(use.list_priorities, runtime)),
        create=Op("Add a priority", partial(use.create_priority, runtime), errors=[409]),
        get=Op("Read a priority", partial(use.get_priority, runtime), errors=[404]),
        update=Op("Change a priority", partial(use.update_priority, runtime), errors=[404, 409]),
        delete=Op("Delete an unused priority", partial(use.delete_priority, runtime), errors=[404, 409]),
    )

registers, each through relaykit.http.endpoint (so role checks, body loading and
OpenAPI are as for a route written out):

    GET    /settings/priorities                     settings_list_priorities    read_roles   200
    POST   /settings/priorities                     settings_create_priority    write_roles  201 + Location
    GET    /settings/priorities/<int:priority_id>   settings_get_priority       read_roles   200
    PATCH  /settings/priorities/<int:priority_id>   settings_update_priority    write_roles  200
    DELETE /settings/priorities/<int:priority_id>   settings_delete_priority    write_roles  204

An operation left out (None) is not registered. Each `run` gets the path's
parameters as positional arguments in the order the rule names them (parents of a
nested collection first, the item's id last), then the loaded query (`listing`
with a query schema) or body (`create`, `update`):

    listing.run(*parents[, query])   create.run(*parents, body)    get.run(*parents, id)
    update.run(*parents, id, body)   delete.run(*parents, id)

Routes that do something else (another status, a body on DELETE, extra headers
that are not the item's) are better written out beside the call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, url_for
from marshmallow import Schema

from relaykit.http import LOCATION, Header, endpoint

_PARAM = re.compile(r"<(?:[a-zA-Z_]+:)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")

SchemaLike = Schema | type[Schema]
_Handler = Callable[["Op", list[Any], dict[str, Any]], Any]


@dataclass(frozen=True)
class Op:
    """One of the standard routes: its OpenAPI summary, the use case behind it, and the
    problems it may answer besides those every endpoint declares (401, 403, and a body's)."""

    summary: str
    run: Callable[..., Any]
    errors: Iterable[int] = ()
    query: SchemaLike | None = None
    headers: Iterable[Header] = ()  # request headers it reads (If-Match, say), for OpenAPI


def path_params(rule: str) -> list[str]:
    """The names of a Flask rule's parameters, in order: "/a/<int:a_id>/b/<key>" -> ["a_id", "key"]."""
    return [m["name"] for m in _PARAM.finditer(rule)]


def _run(op: Op, values: list[Any], loaded: dict[str, Any]) -> Any:
    return op.run(*values, *(loaded[k] for k in ("query", "body") if k in loaded))


def _ident(result: Any, attr: str) -> Any:
    return result[attr] if isinstance(result, Mapping) else getattr(result, attr)


def register_crud(
    app: Flask,
    *,
    path: str,
    id_part: str = "<int:id>",
    name: str,
    plural: str | None = None,
    prefix: str = "",
    update_verb: str = "update",
    read_roles: Iterable[str],
    write_roles: Iterable[str],
    tags: Iterable[str],
    item: SchemaLike,
    items: SchemaLike | None = None,
    create_body: SchemaLike | None = None,
    patch_body: SchemaLike | None = None,
    listing: Op | None = None,
    create: Op | None = None,
    get: Op | None = None,
    update: Op | None = None,
    delete: Op | None = None,
    id_attr: str = "id",
    items_key: str | None = "items",
    present: Callable[[Any], Any] | None = None,
    headers: Callable[[Any], Mapping[str, str]] | None = None,
    response_headers: Iterable[Header] = (),
) -> None:
    """Register the list / create / get / update / delete routes of the resource at `path`.

    Endpoint names are `{prefix}list_{plural}`, `{prefix}create_{name}`, `{prefix}get_{name}`,
    `{prefix}{update_verb}_{name}` and `{prefix}delete_{name}` (plural defaults to name + "s"),
    so a resource moved onto this helper keeps the names url_for and tests know it by.

    `items` is the list's response schema: the listing's result goes under `items_key`, each
    element through `present`, or with items_key None is answered as it is (a page that
    carries its own cursor, say). `present` turns what create, get and update return into
    what `item` dumps; a created item's Location reads `id_attr` of the use case's own
    result, before `present`. `headers(result)` adds headers (an ETag, say) to create, get
    and update, declared for OpenAPI as `response_headers`. Without a `get`, a created item
    has no Location: there is nowhere to point.
    """
    plural = plural or f"{name}s"
    item_path = f"{path}/{id_part}"
    parents = path_params(path)
    if len(path_params(item_path)) != len(parents) + 1:
        raise ValueError(f"id_part {id_part!r} must hold exactly one path parameter")
    id_name = path_params(item_path)[-1]
    get_name = f"{prefix}get_{name}"
    read, write, tags = frozenset(read_roles), frozenset(write_roles), tuple(tags)
    show = present or (lambda result: result)

    def with_headers(result: Any, first: Mapping[str, str] | None = None) -> tuple[Any, dict[str, str]]:
        return show(result), {**(first or {}), **(headers(result) if headers is not None else {})}

    def list_items(op: Op, values: list[Any], loaded: dict[str, Any]) -> Any:
        result = _run(op, values, loaded)
        return result if items_key is None else {items_key: [show(x) for x in result]}

    def create_item(op: Op, values: list[Any], loaded: dict[str, Any]) -> Any:
        created = _run(op, values, loaded)
        if get is None:
            return with_headers(created)
        where = dict(zip(parents, values, strict=True)) | {id_name: _ident(created, id_attr)}
        return with_headers(created, {"Location": url_for(get_name, **where)})

    def one_item(op: Op, values: list[Any], loaded: dict[str, Any]) -> Any:
        return with_headers(_run(op, values, loaded))

    def delete_item(op: Op, values: list[Any], loaded: dict[str, Any]) -> Response:
        _run(op, values, loaded)
        return Response(status=204)

    def route(
        op: Op | None,
        rule: str,
        method: str,
        endpoint_name: str,
        roles: frozenset[str],
        handle: _Handler,
        *,
        body: SchemaLike | None = None,
        response: SchemaLike | None = item,
        status: int = 200,
        answers: Iterable[Header] = (),
    ) -> None:
        if op is None:
            return
        names = path_params(rule)

        def view(**kwargs: Any) -> Any:
            return handle(op, [kwargs.pop(n) for n in names], kwargs)

        view.__name__ = view.__qualname__ = endpoint_name
        declared = endpoint(
            roles=roles,
            summary=op.summary,
            body=body,
            query=op.query,
            response=response,
            status=status,
            tags=tags,
            errors=op.errors,
            headers=op.headers,
            response_headers=answers,
        )
        app.add_url_rule(rule, endpoint=endpoint_name, view_func=declared(view), methods=[method])

    answers = tuple(response_headers)
    located = (LOCATION, *answers) if get is not None else answers
    route(listing, path, "GET", f"{prefix}list_{plural}", read, list_items, response=items)
    route(
        create,
        path,
        "POST",
        f"{prefix}create_{name}",
        write,
        create_item,
        body=create_body,
        status=201,
        answers=located,
    )
    route(get, item_path, "GET", get_name, read, one_item, answers=answers)
    route(
        update, item_path, "PATCH", f"{prefix}{update_verb}_{name}", write, one_item, body=patch_body, answers=answers
    )
    route(delete, item_path, "DELETE", f"{prefix}delete_{name}", write, delete_item, response=None, status=204)
