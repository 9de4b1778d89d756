"""Tenant-scoped reads of uploads: who may see which file."""

from __future__ import annotations

from collections.abc import Callable

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.crypto import constant_time_compare

from warranty_api.accounts.models import User
from warranty_api.core.exceptions import NotFound
from warranty_api.core.roles import Role
from warranty_api.media.models import Media
from warranty_api.tenancy.models import Tenant

# Uploads a customer may see because a domain above media attached them to something of theirs (warranties: the
# receipt of a warranty they own). Each such domain adds its rule at start-up (`warranty_api.apps`): a function of
# (tenant, user) answering the Q of those uploads.
CustomerPath = Callable[[Tenant, User], Q]
_CUSTOMER_PATHS: list[CustomerPath] = []


def media_customer_path_add(path: CustomerPath) -> None:
    """Let a customer see the uploads `path(tenant, user)` selects, besides their own."""
    if path not in _CUSTOMER_PATHS:
        _CUSTOMER_PATHS.append(path)


def media_visible_to(*, tenant: Tenant, user: User | None, role: str | None) -> QuerySet[Media]:
    """The uploads of `tenant` this caller may see.

    - Staff of the tenant (agent, admin): every upload of the tenant.
    - A signed-in customer: the uploads they made themselves, and an upload attached as the proof of purchase
      of a warranty they own (an anonymous public upload becomes theirs to see this way).
    - Anyone else (anonymous, another tenant's people): nothing.

    Each further owner path (a receipt of a warranty they own) is a rule its domain adds with
    `media_customer_path_add`, never a widening of the staff branch.
    """
    qs = Media.objects.filter(tenant=tenant)
    if user is None or not user.is_authenticated or role is None:
        return qs.none()
    if role in (Role.AGENT, Role.ADMIN):
        return qs
    if role != Role.CUSTOMER:
        return qs.none()
    owned = Q(uploaded_by=user)
    for path in _CUSTOMER_PATHS:
        owned |= path(tenant, user)
    return qs.filter(owned)


def media_get_visible(*, tenant: Tenant, user: User | None, role: str | None, media_id: str) -> Media:
    """One upload the caller may see, or 404 `not_found` (the same answer whether it exists or not)."""
    media = media_visible_to(tenant=tenant, user=user, role=role).filter(pk=media_id).first()
    if media is None:
        raise NotFound()
    return media


def media_unattached_of(*, tenant: Tenant, ids: list[str]) -> QuerySet[Media]:
    """Uploads of the tenant that are still free to attach.

    Registration and claims take their `proof_of_purchase` / `photos` ids with this, keep only those
    `media_is_callers` says are the caller's, then call `services.media.media_attach` on each inside their
    transaction.
    """
    return Media.objects.filter(tenant=tenant, pk__in=ids, attached_at__isnull=True)


def media_is_callers(media: Media, *, user: User | None, upload_token: str | None = None) -> bool:
    """Whether the caller made this upload, so may attach it (and then see it): a signed-in caller who is its
    uploader, or anyone holding the `upload_token` its upload answered (how an anonymous upload is proved).

    Only this decides: an id alone is no proof, since ids are seen by others (staff, logs, a shared link).
    """
    if user is not None and user.is_authenticated and media.uploaded_by_id == user.id:
        return True
    if not isinstance(upload_token, str) or not upload_token:
        return False
    return constant_time_compare(upload_token, media_upload_token(media))


_UPLOAD_TOKEN_SALT = "warranty_api.media.upload_token"


def media_upload_token(media: Media) -> str:
    """The proof, handed out once in the upload's answer, that whoever holds it made this upload.

    A keyed signature (SECRET_KEY) of the tenant and the id: nothing is stored, and it cannot be made from the id.
    """
    return signing.Signer(salt=_UPLOAD_TOKEN_SALT).signature(f"{media.tenant_id}:{media.pk}")
