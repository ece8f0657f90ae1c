from django.apps import AppConfig
from django.db.models.signals import post_delete


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "公共"

    def ready(self) -> None:
        from apps.core.audit import register_audited_models
        from apps.core.tombstones import record_deletion

        register_audited_models()

        # A receiver rather than a call in each delete service: cascades and tree deletes
        # remove rows no service sees, and a client that missed them would keep ghosts.
        post_delete.connect(record_deletion, dispatch_uid="core.record_deletion")
