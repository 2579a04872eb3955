"""HTTP routes of the notify service. Thin: each hands its input to the service layer.

Administrators own the settings, templates and webhooks and read the outbox; every
employee reads their own feed and preferences, and the notifications of the tickets they
may see (a specialist: their own, by the tickets service's rule). Contacts and machines
have no business here, except machines reading notifications (integrations).
"""

from __future__ import annotations

from flask import Flask

from relay_notify.entrypoints import schemas as s
from relay_notify.service_layer import admin_api, feed, outbox, unsubscribes, webhook_admin
from relaykit.http import current_identity, endpoint
from relaykit.identity import ADMINISTRATOR, STAFF, SYSTEM

ADMIN = {ADMINISTRATOR}
READERS = STAFF | {SYSTEM}
SETTINGS = {
    "switches": s.SwitchesSchema,
    "customers": s.CustomersSchema,
    "desk": s.DeskSchema,
    "delivery": s.DeliverySchema,
    "smtp": s.SmtpSchema,
    "sms": s.SmsSchema,
}


def register_routes(app: Flask, runtime) -> None:
    _notification_routes(app, runtime)
    _feed_routes(app, runtime)
    _settings_routes(app, runtime)
    _template_routes(app, runtime)
    _webhook_routes(app, runtime)
    _outbox_routes(app, runtime)
    _unsubscribe_routes(app, runtime)


def _notification_routes(app: Flask, runtime) -> None:
    @app.get("/notifications")
    @endpoint(
        roles=READERS,
        summary="List notifications (of a ticket: who was told, how, and what became of it)",
        query=s.NotificationQuerySchema,
        response=s.NotificationListSchema,
        tags=["notifications"],
        errors=[404],
    )
    def notify_list(query):
        return admin_api.list_notifications(runtime, current_identity(), query)

    @app.post("/notifications/<id>/retry")
    @endpoint(
        roles=ADMIN,
        summary="Send a failed notification again",
        response=s.NotificationSchema,
        tags=["notifications"],
        errors=[404, 409],
    )
    def notify_retry(id):
        return admin_api.retry(runtime, id)


def _feed_routes(app: Flask, runtime) -> None:
    tags = ["feed"]

    @app.get("/feed")
    @endpoint(
        roles=STAFF,
        summary="My in-app notifications, newest first",
        query=s.FeedQuerySchema,
        response=s.FeedSchema,
        tags=tags,
    )
    def notify_feed(query):
        return feed.list_feed(runtime, current_identity().subject, query)

    @app.get("/feed/unread")
    @endpoint(roles=STAFF, summary="How many of my in-app notifications are unread", response=s.UnreadSchema, tags=tags)
    def notify_feed_unread():
        return {"unread": feed.unread(runtime, current_identity().subject)}

    @app.post("/feed/<id>/read")
    @endpoint(
        roles=STAFF, summary="Mark one of my notifications read", response=s.FeedItemSchema, tags=tags, errors=[404]
    )
    def notify_feed_read(id):
        return feed.mark_read(runtime, current_identity().subject, id)

    @app.post("/feed/read-all")
    @endpoint(roles=STAFF, summary="Mark all my notifications read", response=s.ReadAllSchema, tags=tags)
    def notify_feed_read_all():
        return {"marked": feed.mark_all_read(runtime, current_identity().subject)}

    @app.get("/preferences/me")
    @endpoint(roles=STAFF, summary="My notification preferences", response=s.PreferencesSchema, tags=tags)
    def notify_my_preferences():
        return feed.preferences(runtime, current_identity().subject)

    @app.put("/preferences/me")
    @endpoint(
        roles=STAFF,
        summary="Change my notification preferences",
        body=s.PreferencesSchema,
        response=s.PreferencesSchema,
        tags=tags,
    )
    def notify_set_my_preferences(body):
        return feed.set_preferences(runtime, current_identity().subject, body)


def _settings_routes(app: Flask, runtime) -> None:
    for key, schema in SETTINGS.items():
        _one_setting(app, runtime, key, schema)

    @app.post("/settings/smtp/test")
    @endpoint(
        roles=ADMIN,
        summary="Send a test mail through the saved SMTP settings",
        body=s.TestSendSchema,
        response=s.OutcomeSchema,
        tags=["settings"],
    )
    def notify_smtp_test(body):
        return admin_api.test_mail(runtime, body["to"])

    @app.post("/settings/sms/test")
    @endpoint(
        roles=ADMIN,
        summary="Send a test SMS through the saved gateway settings",
        body=s.TestSendSchema,
        response=s.OutcomeSchema,
        tags=["settings"],
    )
    def notify_sms_test(body):
        return admin_api.test_sms(runtime, body["to"])


def _one_setting(app: Flask, runtime, key: str, schema) -> None:
    def read():
        return admin_api.read_setting(runtime, key)

    def write(body):
        return admin_api.write_setting(runtime, key, body)

    read.__name__, write.__name__ = f"notify_get_{key}", f"notify_put_{key}"
    app.get(f"/settings/{key}")(
        endpoint(roles=ADMIN, summary=f"Read the {key} settings", response=schema, tags=["settings"])(read)
    )
    app.put(f"/settings/{key}")(
        endpoint(
            roles=ADMIN,
            summary=f"Change the {key} settings",
            body=schema,
            response=schema,
            tags=["settings"],
            errors=[422],
        )(write)
    )


def _template_routes(app: Flask, runtime) -> None:
    tags = ["templates"]

    @app.get("/templates")
    @endpoint(
        roles=ADMIN, summary="Every notification's templates, per language", response=s.TemplateListSchema, tags=tags
    )
    def notify_templates():
        return admin_api.list_templates(runtime)

    @app.get("/templates/variables")
    @endpoint(roles=ADMIN, summary="The variables templates may use", response=s.VariablesSchema, tags=tags)
    def notify_template_variables():
        return admin_api.variables()

    @app.get("/templates/<key>/<language>")
    @endpoint(
        roles=ADMIN,
        summary="One notification's templates in a language",
        response=s.TemplateSchema,
        tags=tags,
        errors=[404],
    )
    def notify_template(key, language):
        return admin_api.get_template(runtime, key, language)

    @app.put("/templates/<key>/<language>")
    @endpoint(
        roles=ADMIN,
        summary="Change a template (refused with the line and the reason when it cannot render)",
        body=s.TemplateSchema,
        response=s.TemplateSchema,
        tags=tags,
        errors=[404, 422],
    )
    def notify_put_template(key, language, body):
        return admin_api.put_template(runtime, key, language, body, current_identity().subject)

    @app.delete("/templates/<key>/<language>")
    @endpoint(
        roles=ADMIN, summary="Go back to the shipped template", response=s.TemplateSchema, tags=tags, errors=[404]
    )
    def notify_reset_template(key, language):
        return admin_api.reset_template(runtime, key, language)

    @app.post("/templates/<key>/<language>/preview")
    @endpoint(
        roles=ADMIN,
        summary="Render a template as it would be sent (on a ticket, or on sample values)",
        body=s.PreviewSchema,
        response=s.RenderedSchema,
        tags=tags,
        errors=[404, 422],
    )
    def notify_preview_template(key, language, body):
        return admin_api.preview(runtime, key, language, body)


def _webhook_routes(app: Flask, runtime) -> None:
    tags = ["webhooks"]

    @app.get("/webhooks")
    @endpoint(roles=ADMIN, summary="List webhook subscriptions", response=s.WebhookListSchema, tags=tags)
    def notify_webhooks():
        return {"items": webhook_admin.list_all(runtime)}

    @app.post("/webhooks")
    @endpoint(
        roles=ADMIN,
        summary="Subscribe a URL to event types (the signing secret is shown once)",
        body=s.WebhookSchema,
        response=s.WebhookCreatedSchema,
        status=201,
        tags=tags,
        errors=[422],
    )
    def notify_create_webhook(body):
        return webhook_admin.create(runtime, body)

    @app.get("/webhooks/<id>")
    @endpoint(roles=ADMIN, summary="Read a webhook subscription", response=s.WebhookSchema, tags=tags, errors=[404])
    def notify_webhook(id):
        return webhook_admin.get(runtime, id)

    @app.patch("/webhooks/<id>")
    @endpoint(
        roles=ADMIN,
        summary="Change a subscription (active: true enables it again)",
        body=s.WebhookPatchSchema,
        response=s.WebhookSchema,
        tags=tags,
        errors=[404, 422],
    )
    def notify_patch_webhook(id, body):
        return webhook_admin.change(runtime, id, body)

    @app.delete("/webhooks/<id>")
    @endpoint(roles=ADMIN, summary="Delete a subscription and its delivery log", status=204, tags=tags, errors=[404])
    def notify_delete_webhook(id):
        webhook_admin.delete(runtime, id)
        return ""

    @app.get("/webhooks/<id>/deliveries")
    @endpoint(
        roles=ADMIN,
        summary="A subscription's delivery log, newest first",
        response=s.DeliveryListSchema,
        tags=tags,
        errors=[404],
    )
    def notify_webhook_deliveries(id):
        return {"items": webhook_admin.deliveries(runtime, id)}

    @app.post("/webhooks/<id>/deliveries/<delivery_id>/resend")
    @endpoint(roles=ADMIN, summary="Send a delivery again", response=s.DeliverySchema_, tags=tags, errors=[404])
    def notify_resend_delivery(id, delivery_id):
        return webhook_admin.resend(runtime, id, delivery_id)


def _outbox_routes(app: Flask, runtime) -> None:
    tags = ["outbox"]

    @app.get("/outbox")
    @endpoint(
        roles=ADMIN, summary="Mail kept by the local SMTP sink, newest first", response=s.OutboxListSchema, tags=tags
    )
    def notify_outbox():
        return {"items": outbox.listing(runtime)}

    @app.get("/outbox/<name>")
    @endpoint(
        roles=ADMIN,
        summary="One mail of the local sink: headers, text and sanitised HTML",
        response=s.OutboxMessageSchema,
        tags=tags,
        errors=[404],
    )
    def notify_outbox_message(name):
        return outbox.message(runtime, name)


def _unsubscribe_routes(app: Flask, runtime) -> None:
    tags = ["unsubscribes"]

    # The gateway's public one-click page calls this as the system: the token is the
    # authority (signed, naming the mail it came in), not the caller.
    @app.post("/unsubscribe")
    @endpoint(
        roles={SYSTEM, ADMINISTRATOR},
        summary="Unsubscribe the address a mail went to from its kind of notification (the mail's signed token)",
        body=s.UnsubscribeSchema,
        response=s.UnsubscribedSchema,
        tags=tags,
        errors=[404, 422],
    )
    def notify_unsubscribe(body):
        return unsubscribes.unsubscribe(runtime, body["token"])

    @app.get("/unsubscribes")
    @endpoint(
        roles=ADMIN,
        summary="Addresses unsubscribed from a notification, newest first",
        query=s.UnsubscribedQuerySchema,
        response=s.UnsubscribedListSchema,
        tags=tags,
    )
    def notify_unsubscribes(query):
        return {"items": unsubscribes.listing(runtime, query.get("address"))}

    @app.post("/unsubscribes/resubscribe")
    @endpoint(
        roles=ADMIN,
        summary="Send an unsubscribed address that notification again",
        body=s.UnsubscribedSchema,
        status=204,
        tags=tags,
        errors=[404],
    )
    def notify_resubscribe(body):
        unsubscribes.resubscribe(runtime, body["address"], body["notification"])
        return ""
