from django.apps import AppConfig
from django.db.models.signals import post_delete, pre_save


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "公共"

    def ready(self) -> None:
        from auditlog.models import LogEntry

        from apps.core import lookups  # noqa: F401 — registers field__any_of
        from apps.core.audit import register_audited_models, stamp_request_context
        from apps.core.tombstones import record_deletion

        register_audited_models()
        pre_save.connect(stamp_request_context, sender=LogEntry, dispatch_uid="core.stamp_request_context")

        # A receiver rather than a call in each delete service: cascades and tree deletes
        # remove rows no service sees, and a client that missed them would keep ghosts.
        post_delete.connect(record_deletion, dispatch_uid="core.record_deletion")
