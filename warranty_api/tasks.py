"""django-q2 tasks: thin; they take ids, reload, call one service, and are safe to run twice."""

from .services import notifications, verification


def notification_send(notification_id: str) -> str:
    return notifications.notification_send(notification_id)


def notifications_sweep() -> int:
    return notifications.notifications_sweep()


def purchase_verify(warranty_id: str) -> str:
    return verification.purchase_verify(warranty_id)


def purchase_verifications_sweep() -> int:
    return verification.purchase_verifications_sweep()
