from __future__ import annotations

from apps.core.models import AuditEvent


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
