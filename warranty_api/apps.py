from django.apps import AppConfig


class WarrantyApiConfig(AppConfig):
    name = "warranty_api"
    verbose_name = "Aftersale"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported once the app registry is ready: these modules load models, and apps.py is read before them.
        from warranty_api.core import checks, schema  # noqa: F401  registers the start-up checks and the OpenAPI extension
        from warranty_api.core.serializers import refuse_numbers_as_text

        # Each defines its kind of outbox work, which the lease check (core/checks.py) reads.
        from warranty_api.notifications import services as _notifications  # noqa: F401
        from warranty_api.verification import services as _verification  # noqa: F401
        from warranty_api.webhooks import services as _webhooks  # noqa: F401

        refuse_numbers_as_text()
        _connect_domains()


def _connect_domains() -> None:
    """Where a domain must act on, or add to, a domain below it, the lower one offers a signal or a rule list and
    the upper one is connected to it here, so no import runs up a layer: verification queues a registration's
    purchase check and lists its checks in trouble in the staff outbox; warranties go to the account that proved
    their email, their receipts are their owner's to see, and an account's answer counts the warranties it owns. Once per process, after the models are loaded."""
    # Imported here: services import models, which exist only once the app registry is ready.
    from warranty_api.accounts.selectors import account_figure_add
    from warranty_api.accounts.signals import customer_email_confirmed
    from warranty_api.media.selectors import media_customer_path_add
    from warranty_api.notifications.selectors import PURCHASE_VERIFICATION, outbox_source_add
    from warranty_api.verification.selectors import purchase_checks_in_trouble
    from warranty_api.verification.services import purchase_verification_enqueue
    from warranty_api.warranties.selectors import owned_warranty_count, receipts_of_owned_warranties
    from warranty_api.warranties.services import warranties_claim_for_account
    from warranty_api.warranties.signals import warranty_awaits_purchase_check

    def on_warranty_awaits_purchase_check(sender, warranty, **kwargs):
        purchase_verification_enqueue(warranty)

    def on_customer_email_confirmed(sender, tenant, user, **kwargs):
        warranties_claim_for_account(tenant=tenant, user=user)

    outbox_source_add(PURCHASE_VERIFICATION, purchase_checks_in_trouble)
    account_figure_add("warranty_count", owned_warranty_count)
    media_customer_path_add(receipts_of_owned_warranties)
    warranty_awaits_purchase_check.connect(
        on_warranty_awaits_purchase_check, dispatch_uid="verification.purchase_verification_enqueue", weak=False
    )
    customer_email_confirmed.connect(
        on_customer_email_confirmed, dispatch_uid="warranties.warranties_claim_for_account", weak=False
    )
