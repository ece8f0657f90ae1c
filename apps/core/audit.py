"""The audit trail (PIPL): who changed, read, exported or erased personal data.

Two tables, one admin section ("审计日志"):
- django-auditlog's LogEntry: every create, change and delete of the models in AUDITED,
  field by field, with the actor and the remote address (AuditActorMiddleware). Sensitive
  columns are left out (the ciphertext and the lookup hash: the plaintext must not reach the
  log, and a token in it would outlive a key rotation and an erasure) or masked;
- AuditEvent (audit_record): reads of full personal data, exports, bulk imports (COPY
  bypasses the model signals auditlog listens to) and erasures with their reason.

Both are writes only: no list page reads them, so they add no query to any read.
"""

from __future__ import annotations

from auditlog.cid import set_cid
from auditlog.context import _set_extra_data, auditlog_value
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.contrib.contenttypes.models import ContentType

from apps.core.client_address import client_address
from apps.core.models import AuditEvent

_TIMESTAMPS = ["created_at", "updated_at"]

# Registered by label, from CoreConfig.ready(): core depends on no other app of ours.
AUDITED: dict[str, dict] = {
    "members.Person": {
        # The masked copies (id_number_masked, phone_masked) record that a number changed.
        "exclude_fields": ["id_number", "id_number_hash", "phone", *_TIMESTAMPS],
    },
    "members.Membership": {"exclude_fields": _TIMESTAMPS},
    # A booking's contact is a person: their phone's masked copy records that it changed.
    "venues.Booking": {"exclude_fields": ["contact_phone", "reminded_at", *_TIMESTAMPS]},
    "resources.LedgerEntry": {"exclude_fields": _TIMESTAMPS},
}


def register_audited_models() -> None:
    for label, options in AUDITED.items():
        model = apps.get_model(label)
        if auditlog.contains(model):
            continue
        # The row's own columns only: auditlog would otherwise read reverse one-to-one relations
        # (a booking's activity, its training session), a query each on every write.
        excluded = set(options.get("exclude_fields", ()))
        columns = [field.name for field in model._meta.concrete_fields if field.name not in excluded]
        auditlog.register(model, include_fields=columns, **options)


class _RequestContext(dict):
    """auditlog's per-request context whose actor is read when a log line is written, not before.

    The API authenticates (JWT) in the view, after the middleware has run: read up front, the
    actor of every API change would be anonymous.
    """

    def __init__(self, request, **data):
        super().__init__(**data)
        self.request = request

    def get(self, key, default=None):
        if key == "actor":
            user = getattr(self.request, "user", None)
            return user if user is not None and user.is_authenticated else None
        return super().get(key, default)


class AuditActorMiddleware(AuditlogMiddleware):
    """auditlog's middleware (actor, remote address, correlation id), with the actor read late and
    the address the lockouts use: auditlog's own takes X-Forwarded-For from anyone, so a client
    could write any address it liked into the trail."""

    @staticmethod
    def _get_remote_addr(request):
        return client_address(request) or None

    @staticmethod
    def _get_actor(request):
        # Not read here: that loads the session and the user before the view, and with the
        # database down it fails outside DatabaseUnavailableMiddleware (a 500, not the 503).
        return None

    def get_extra_data(self, request):
        return _RequestContext(request, **super().get_extra_data(request))

    def __call__(self, request):
        # auditlog's own connects a pre_save receiver for every request and disconnects it after,
        # which costs a fifth of a trivial request and empties the signal's receiver cache each
        # time. The request's context goes into auditlog's context variable all the same; one
        # receiver, connected once (stamp_request_context), reads it.
        set_cid(request)
        context = self.get_extra_data(request)
        context["signal_duid"] = REQUEST_CONTEXT
        token = auditlog_value.set(context)
        try:
            return self.get_response(request)
        finally:
            auditlog_value.reset(token)


#: Marks the context AuditActorMiddleware set (auditlog's own set_actor() marks its own).
REQUEST_CONTEXT = ("qunzhi", "request")


def stamp_request_context(sender, instance, **kwargs) -> None:
    """pre_save of auditlog's LogEntry: the actor, address and correlation id of the request."""
    _set_extra_data(sender, instance, signal_duid=REQUEST_CONTEXT)


def audit_bulk_update(rows: list, changes: dict[str, list]) -> None:
    """auditlog's UPDATE lines for rows changed by one UPDATE statement, which sends no signal.

    `changes` is auditlog's own form, field → [old, new], the same for every row.
    """
    if not rows:
        return
    content_type = ContentType.objects.get_for_model(type(rows[0]))
    LogEntry.objects.bulk_create(
        LogEntry(
            content_type=content_type,
            object_pk=str(row.pk),
            object_id=row.pk,
            object_repr=str(row),
            action=LogEntry.Action.UPDATE,
            changes=changes,
        )
        for row in rows
    )


def audit_record(*, actor, action: str, obj=None, model: str = "", object_id: int | None = None, detail: str = ""):
    """Append one line to the audit trail; `obj` supplies model and id when given."""
    return AuditEvent.objects.create(
        action=action,
        actor_id=getattr(actor, "pk", None),
        actor_username=getattr(actor, "username", "") or "",
        model=obj._meta.label_lower if obj is not None else model,
        object_id=obj.pk if obj is not None else object_id,
        detail=detail[:255],
    )
