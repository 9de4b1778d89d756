"""Accounts: sign-up, sign-in, email ownership, passwords and staff roles; the API and the portal share these."""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from warranty_api.accounts.consent import marketing_consent_set
from warranty_api.accounts.customers import ADDRESS_KEYS, Customer, MarketingConsent
from warranty_api.accounts.error_codes import AccountErrorCode
from warranty_api.accounts.models import User
from warranty_api.accounts.selectors import account_by_public_id, account_for_email, email_acceptable, user_role
from warranty_api.accounts.signals import customer_email_confirmed
from warranty_api.accounts.tokens import tokens_revoke_all, tokens_revoke_at_tenant
from warranty_api.core.emails import is_erased_email, normalize_email
from warranty_api.core.exceptions import (
    ApiError,
    ApiMessage,
    AuthenticationFailedError,
    Conflict,
    NotFound,
    ValidationFailed,
)
from warranty_api.core.queueing import task_enqueue_after_commit
from warranty_api.core.roles import Role
from warranty_api.core.throttles import _digest
from warranty_api.notifications.models import NotificationKind
from warranty_api.notifications.services import notify
from warranty_api.tenancy.languages import offered
from warranty_api.tenancy.models import Membership, StaffRole, Tenant
from warranty_api.tenancy.signals import staff_groups_sync

logger = logging.getLogger(__name__)

EMAIL_VERIFICATION_SALT = "aftersale.email-verification"
EMAIL_VERIFICATION_MAX_AGE = 3 * 24 * 3600  # the email's wording promises three days
EMAIL_CODE_MAX_ATTEMPTS = 5
LOGIN_FAILED_MESSAGE = "The email or password is not right."
UPDATABLE_FIELDS = ("name", "phone", "address", "email", "language", "marketing_consent")


# --- validation helpers -------------------------------------------------------------------------------------


def _password_check(password: str, user: User, field: str) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            fields={field: [{"code": e.code or "invalid", "message": " ".join(e.messages)} for e in exc.error_list]}
        ) from None


def _email_check(email: str, field: str = "email") -> str:
    email = normalize_email(email)
    # The tombstones of erased customers have their own domain: no account may take one.
    if not email_acceptable(email) or is_erased_email(email):
        raise ValidationFailed.field(field, "invalid", "Enter a valid email address.")
    return email


def _contact_check(*, name=None, phone=None, address=None) -> None:
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 200):
        raise ValidationFailed.field("name", "invalid", "Give a name of 1 to 200 characters.")
    if phone is not None and (not isinstance(phone, str) or len(phone) > 40):
        raise ValidationFailed.field("phone", "invalid", "Give a phone number of at most 40 characters.")
    if address is not None and (
        not isinstance(address, dict)
        or not all(isinstance(k, str) and isinstance(v, str) and len(v) <= 200 for k, v in address.items())
    ):
        raise ValidationFailed.field("address", "invalid", "Give the address as an object of text fields.")
    if address and (unknown := [key for key in address if key not in ADDRESS_KEYS]):
        message = "An address has only these parts: " + ", ".join(ADDRESS_KEYS) + "."
        raise ValidationFailed(fields={f"address.{key}": [{"code": "unknown_field", "message": message}] for key in unknown})


# --- registration and email verification ---------------------------------------------------------------------


def _email_taken(*, tenant: Tenant, email: str, exclude: User | None = None) -> bool:
    """An account already signs in with this email at this tenant (a customer, or one of its staff)."""
    customers = User.objects.filter(tenant=tenant, email=email)
    staff = User.objects.filter(tenant__isnull=True, email=email, memberships__tenant=tenant)
    if exclude is not None:
        customers, staff = customers.exclude(pk=exclude.pk), staff.exclude(pk=exclude.pk)
    return customers.exists() or staff.exists()


def account_register(
    *, tenant: Tenant, email: str, password: str, name: str, phone: str = "", address: dict | None = None,
    send_verification: bool = True, marketing_consent: bool = False,
) -> User:
    """Create a customer account; its email is unverified, so it sees no warranties until verified.

    A ticked marketing opt-in is logged against the brand's record of the email, marked as not yet confirmed."""
    email = _email_check(email)
    _contact_check(name=name, phone=phone or "", address=address or {})
    user = User(
        username=User.customer_username(tenant.id, email), email=email, tenant=tenant, full_name=name.strip(),
        phone=phone or "", address=address or {},
    )
    _password_check(password, user, "password")
    user.set_password(password)
    taken = Conflict(
        "An account with this email already exists here; sign in, or reset the password.",
        code=AccountErrorCode.EMAIL_ALREADY_REGISTERED,
    )
    with transaction.atomic():
        if _email_taken(tenant=tenant, email=email):
            raise taken
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # the same email registered at the same instant
            raise taken from None
        if marketing_consent:
            marketing_consent_set(tenant=tenant, customer=customer_record_for(tenant=tenant, email=email, name=user.full_name),
                                  granted=True, source=MarketingConsent.Source.SIGN_UP)
        if send_verification:
            email_verification_send(tenant=tenant, user=user)
    return user


def customer_record_for(*, tenant: Tenant, email: str, **details) -> Customer:
    """The brand's record of `email`, made with `details` (name, phone, address, account) when it has none."""
    customer = Customer.objects.filter(tenant=tenant, email=email).first()
    if customer is None:
        try:
            with transaction.atomic():
                customer = Customer.objects.create(tenant=tenant, email=email, **details)
        except IntegrityError:  # a registration created it at the same instant
            customer = Customer.objects.get(tenant=tenant, email=email)
    return customer


def _code_hash(user: User, target: str, code: str) -> str:
    return salted_hmac("aftersale.email-code", f"{user.pk}:{target}:{code}").hexdigest()


def email_verification_token(*, tenant: Tenant, user: User, target: str) -> str:
    return signing.dumps({"u": user.public_id, "e": target, "t": tenant.id}, salt=EMAIL_VERIFICATION_SALT)


def email_verification_send(*, tenant: Tenant, user: User) -> str:
    """Email a link and a 6-digit code for the address awaiting verification; answer that address."""
    target = user.pending_email or user.email
    code = f"{secrets.randbelow(1_000_000):06d}"
    user.email_code_hash = _code_hash(user, target, code)
    user.email_code_sent_at = timezone.now()
    user.email_code_attempts = 0
    user.save(update_fields=["email_code_hash", "email_code_sent_at", "email_code_attempts"])
    token = email_verification_token(tenant=tenant, user=user, target=target)
    link = f"{settings.AFTERSALE_PUBLIC_BASE_URL}/{tenant.slug}/verify-email?{urlencode({'token': token})}"
    context = {"email": target, "link": link, "code": code, "customer_name": user.full_name}
    kind = NotificationKind.EMAIL_VERIFICATION
    if target != user.email:  # a change: the mailbox's owner must see whose account the address would join
        kind = NotificationKind.EMAIL_CHANGE_VERIFICATION
        context |= {"account_name": user.full_name, "account_email": user.email}
    notify(tenant=tenant, kind=kind, to=target, context=context, subject_ref=user.public_id, user=user)
    return target


@transaction.atomic
def email_verification_resend(*, tenant: Tenant, user: User) -> str:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.email_verified and not user.pending_email:
        raise Conflict("This email address is already verified.", code=AccountErrorCode.EMAIL_ALREADY_VERIFIED)
    return email_verification_send(tenant=tenant, user=user)


_INVALID_VERIFICATION = "This verification link or code is not valid or has expired; ask for a new one."


def account_verify_email(*, tenant: Tenant, token: str | None = None, code: str | None = None,
                         user: User | None = None) -> User:
    """Prove ownership of an address with the emailed link's token or its code, signed in to the account.

    The link proves the mailbox, not the account: someone may sign up with, or change their address to, another
    person's email. So the address (and the warranties registered under it) joins an account only when the
    person holding the link is also signed in to that account, i.e. knows its password.
    """
    if token:
        try:
            data = signing.loads(token, salt=EMAIL_VERIFICATION_SALT, max_age=EMAIL_VERIFICATION_MAX_AGE)
        except (signing.BadSignature, TypeError):
            raise ValidationFailed.field("token", "invalid_token", _INVALID_VERIFICATION) from None
        account = account_by_public_id(tenant=tenant, public_id=str(data.get("u")))
        if data.get("t") != tenant.id or account is None or not account.is_active:
            raise ValidationFailed.field("token", "invalid_token", _INVALID_VERIFICATION)
        if user is None or not user.is_authenticated:
            raise AuthenticationFailedError("Sign in to the account this link is for, then open the link again.")
        if user.pk != account.pk:
            raise ValidationFailed.field(
                "token", "other_account", "This link is for another account; sign in to that account to use it."
            )
        with transaction.atomic():
            account = User.objects.select_for_update().get(pk=account.pk)
            target = data.get("e")
            if target == account.email and account.email_verified:
                return account  # the link opened twice: already done
            if target not in {account.email, account.pending_email} or not target:
                raise ValidationFailed.field("token", "invalid_token", _INVALID_VERIFICATION)
            return _email_confirmed(tenant=tenant, user=account, target=target)

    if not code:
        raise ValidationFailed.field("token", "required", "Send the `token` from the link, or the `code`.")
    if user is None or not user.is_authenticated:
        raise AuthenticationFailedError("Sign in to verify your email with a code.")
    matched = False
    with transaction.atomic():
        account = User.objects.select_for_update().get(pk=user.pk)
        target = account.pending_email or account.email
        fresh = (
            account.email_code_hash
            and account.email_code_sent_at is not None
            and (timezone.now() - account.email_code_sent_at).total_seconds() < EMAIL_VERIFICATION_MAX_AGE
            and account.email_code_attempts < EMAIL_CODE_MAX_ATTEMPTS
        )
        if fresh and isinstance(code, str) and constant_time_compare(account.email_code_hash, _code_hash(account, target, code.strip())):
            matched = True
            account = _email_confirmed(tenant=tenant, user=account, target=target)
        elif account.email_code_hash:
            # Counted even when the code is stale; after five misses only a new code helps (no guessing 10^6).
            account.email_code_attempts += 1
            account.save(update_fields=["email_code_attempts"])
    if not matched:
        raise ValidationFailed.field("code", "invalid_code", _INVALID_VERIFICATION)
    return account


def _email_confirmed(*, tenant: Tenant, user: User, target: str) -> User:
    """The owner of `target` proved it: switch a pending change, mark verified, then link and attach data."""
    if target != user.email:
        if user.is_customer:
            clash = User.objects.filter(tenant=user.tenant_id, email=target).exclude(pk=user.pk).exists()
        else:
            clash = User.objects.filter(tenant__isnull=True, email=target).exclude(pk=user.pk).exists()
        if clash:
            raise Conflict(
                "Another account already uses this email address.", code=AccountErrorCode.EMAIL_ALREADY_REGISTERED,
            )
        user.email = target
        user.username = User.customer_username(user.tenant_id, target) if user.is_customer else target
    user.pending_email = ""
    user.email_verified_at = timezone.now()
    user.email_code_hash = ""
    user.email_code_attempts = 0
    user.save()
    if user.is_customer and user.tenant_id == tenant.id:
        _link_customer(tenant=tenant, user=user)
        # The warranties registered earlier under this address become the account's (warranties listens).
        customer_email_confirmed.send(sender=User, tenant=tenant, user=user)
    return user


def _link_customer(*, tenant: Tenant, user: User) -> Customer:
    """Link the brand's record of this email to the account; a record of a previous address is let go."""
    Customer.objects.filter(account=user).exclude(tenant=tenant, email=user.email).update(account=None)
    customer = customer_record_for(tenant=tenant, email=user.email, name=user.full_name, phone=user.phone,
                                   address=user.address, account=user)
    if customer.account_id != user.pk:
        customer.account = user
        customer.save(update_fields=["account", "updated_at"])
    return customer


# --- sign-in ------------------------------------------------------------------------------------------------------


def login_delay(failures: int) -> int:
    """Seconds a sign-in for one account must wait after `failures` consecutive failures; never forever."""
    policy = settings.AFTERSALE_LOGIN_BACKOFF
    free = policy["free_failures"]
    if failures < free:
        return 0
    return int(min(policy["base_seconds"] * 2 ** (failures - free), policy["max_seconds"]))


class SignInLocked(ApiError):
    """Too many consecutive failed password checks for one email: every way in waits (429, Retry-After)."""

    status_code = 429
    code = AccountErrorCode.SIGN_IN_LOCKED

    def __init__(self, wait: int):
        self.wait = wait
        super().__init__(
            f"Too many failed sign-ins for this account; try again in {wait} seconds or reset the password.",
            headers={"Retry-After": str(wait)},
        )


def _login_keys(email: str) -> tuple[str, str]:
    # Per normalised email, not per brand: a staff account signs in at every brand it serves and at Wagtail's
    # admin, and each spelling of an address is the same key.
    base = f"login-failures:{_digest(normalize_email(email))}"
    return f"{base}:count", f"{base}:until"


def sign_in_wait(email: str) -> int:
    """Seconds a password check for this email must still wait (0: none)."""
    _, until_key = _login_keys(email)
    until = cache.get(until_key)
    remaining = (until - time.time()) if until else 0
    return max(1, math.ceil(remaining)) if remaining > 0 else 0


def _login_failed(email: str) -> None:
    count_key, until_key = _login_keys(email)
    cache.add(count_key, 0, timeout=24 * 3600)
    try:
        failures = cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.set(count_key, 1, timeout=24 * 3600)
        failures = 1
    delay = login_delay(failures)
    if delay:
        cache.set(until_key, time.time() + delay, timeout=delay + 1)


def login_failures_reset(*, email: str) -> None:
    cache.delete_many(list(_login_keys(email)))


def credentials_check(*, email: str, password: object, account_of: Callable[[str], User | None]) -> User | None:
    """The one password check of every way into an account: the API's sign-in and change-password, and Django's
    `authenticate` (Wagtail's admin sign-in) through `authentication.AccountPasswordBackend`.

    While the email waits after failures it raises `SignInLocked` before anything is looked up or hashed.
    `account_of` gets the normalised email and answers the account that may sign in with it, or None; a miss
    costs the same hashing as a hit and counts as a failure like a wrong password, so neither the answer nor
    the lockout tells whether the email has an account. A match clears the count.
    """
    email = normalize_email(email)
    wait = sign_in_wait(email)
    if wait:
        raise SignInLocked(wait)
    password = password if isinstance(password, str) else ""
    user = account_of(email) if email else None
    if user is None:
        User().set_password(password)  # the same hashing work as a known email, so timing tells nothing
    elif user.check_password(password):
        login_failures_reset(email=email)
        return user
    _login_failed(email)
    return None


def account_authenticate(*, tenant: Tenant, email: str, password: str) -> tuple[User, str]:
    """The account and role for these credentials at this tenant; one refusal whatever was wrong."""
    roles = {}

    def account_of(normal_email: str) -> User | None:
        user = account_for_email(tenant=tenant, email=normal_email)
        roles[user] = user_role(user=user, tenant=tenant) if user is not None else None
        return user if roles[user] is not None else None

    user = credentials_check(email=email, password=password, account_of=account_of)
    if user is None:
        raise AuthenticationFailedError(LOGIN_FAILED_MESSAGE)
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    return user, roles[user]


# --- passwords ----------------------------------------------------------------------------------------------------


def password_reset_request(*, tenant: Tenant, email: str) -> None:
    """Queue a reset for whatever account this email has here. The request does the same work either way:
    the lookup and the email happen in the task, so neither the answer nor its timing tells if it exists."""
    email = normalize_email(email)
    # No row records the request, so no sweep sends it again: a broker outage leaves the person to ask again.
    task_enqueue_after_commit("warranty_api.tasks.password_reset_send", tenant.id, email, task_name="password reset")


def password_reset_link(*, tenant: Tenant, user: User) -> str:
    query = urlencode({"uid": user.public_id, "token": default_token_generator.make_token(user)})
    return f"{settings.AFTERSALE_PUBLIC_BASE_URL}/{tenant.slug}/reset-password?{query}"


@transaction.atomic
def password_reset_send(tenant_id: int, email: str) -> bool:
    """Task body: email a reset link if the email has an active account here; True when one was sent."""
    tenant = Tenant.objects.filter(id=tenant_id, is_active=True).first()
    user = account_for_email(tenant=tenant, email=email) if tenant else None
    if user is None or user_role(user=user, tenant=tenant) is None:
        return False
    notify(
        tenant=tenant,
        kind=NotificationKind.PASSWORD_RESET,
        to=user.email,
        context={"link": password_reset_link(tenant=tenant, user=user), "customer_name": user.full_name},
        subject_ref=user.public_id,
    )
    return True


_INVALID_RESET = "This reset link is not valid, was already used or has expired; ask for a new one."


@transaction.atomic
def password_reset_confirm(*, tenant: Tenant, uid: str, token: str, new_password: str) -> User:
    """Set a new password with a reset link's uid and token; the token stops working once used."""
    user = account_by_public_id(tenant=tenant, public_id=uid) if isinstance(uid, str) and uid else None
    if user is not None:
        user = User.objects.select_for_update().get(pk=user.pk)
    if (
        user is None
        or not user.is_active
        or not isinstance(token, str)
        or not default_token_generator.check_token(user, token)
    ):
        raise ValidationFailed.field("token", "invalid_token", _INVALID_RESET)
    _password_check(new_password, user, "new_password")
    user.set_password(new_password)  # changes the hash the token was made from: single use
    user.save()  # moves `credentials_version` on: access tokens issued before stop working
    tokens_revoke_all(user=user)
    login_failures_reset(email=user.email)
    return user


@transaction.atomic
def password_change(*, user: User, current_password: str, new_password: str) -> User:
    """Change the password of a signed-in account; every token issued before, access or refresh, stops working."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if credentials_check(email=user.email, password=current_password, account_of=lambda _email: user) is None:
        raise ValidationFailed.field("current_password", "incorrect", "The current password is not right.")
    _password_check(new_password, user, "new_password")
    user.set_password(new_password)
    user.save()  # moves `credentials_version` on: access tokens issued before stop working
    tokens_revoke_all(user=user)
    return user


# --- profile ------------------------------------------------------------------------------------------------------


@transaction.atomic
def account_update(*, tenant: Tenant, user: User, data: dict) -> User:
    """Update contact details; a new email waits for verification and the old one stays until then."""
    refused = [name for name in data if name not in UPDATABLE_FIELDS]
    if refused:
        raise ValidationFailed(
            fields={name: [{"code": "not_allowed", "message": "This field cannot be changed here."}] for name in refused}
        )
    # `_contact_check` reads None as "not sent"; a field sent as null is a value, and not one these fields take.
    nulls = [name for name in UPDATABLE_FIELDS if name in data and data[name] is None]
    if nulls:
        raise ValidationFailed(fields={name: [{"code": "invalid", "message": ApiMessage("%(name)s cannot be null.", name=name)}] for name in nulls})
    _contact_check(name=data.get("name"), phone=data.get("phone"), address=data.get("address"))
    if "language" in data and data["language"] not in ("", *offered(tenant)):
        raise ValidationFailed.field(
            "language", "invalid_choice",
            ApiMessage("Choose one of this portal's languages: %(languages)s.", languages=", ".join(offered(tenant))),
        )
    if "marketing_consent" in data:
        if not isinstance(data["marketing_consent"], bool):
            raise ValidationFailed.field("marketing_consent", "invalid", "marketing_consent is true or false.")
        if not user.email_verified or user.tenant_id != tenant.id:
            # The answer is kept with the brand's record of the email, which only its confirmed owner may set.
            raise ValidationFailed.field("marketing_consent", "email_not_verified",
                                         "Confirm your email first; the answer is kept with it.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if "language" in data:
        user.language = data["language"]
        user.save(update_fields=["language"])
    if "marketing_consent" in data:
        marketing_consent_set(tenant=tenant, customer=_link_customer(tenant=tenant, user=user),
                              granted=data["marketing_consent"], source=MarketingConsent.Source.ACCOUNT,
                              email_confirmed=True)
    changed = []
    for field, attr in (("name", "full_name"), ("phone", "phone"), ("address", "address")):
        if field in data:
            value = data[field].strip() if field == "name" else data[field]
            setattr(user, attr, value)
            changed.append(attr)
    if changed:
        user.save(update_fields=changed)
        if user.email_verified and user.tenant_id == tenant.id:
            # The verified owner of the email: the one who may set the brand's record of it, which then comes
            # first for the warranties registered before (`selectors.warranties.warranty_contact`).
            customer = _link_customer(tenant=tenant, user=user)
            customer.name, customer.phone, customer.address = user.full_name, user.phone, user.address
            customer.owner_contact_at = timezone.now()
            customer.save(update_fields=["name", "phone", "address", "owner_contact_at", "updated_at"])
    if "email" in data:
        email = _email_check(data["email"] if isinstance(data["email"], str) else "")
        if email == user.email:
            user.pending_email = ""
            user.save(update_fields=["pending_email"])
        elif email != user.pending_email:
            # Taken or not, the answer is the same: only the mailbox's owner learns, at verification.
            user.pending_email = email
            user.save(update_fields=["pending_email"])
            email_verification_send(tenant=tenant, user=user)
    return user


# --- staff --------------------------------------------------------------------------------------------------------


STAFF_INVITATION_SALT = "aftersale.staff-invitation"
STAFF_INVITATION_MAX_AGE = 14 * 24 * 3600  # the email's wording promises 14 days
_INVALID_INVITATION = "This invitation link is not valid, was withdrawn or has expired; ask the brand for a new one."


def staff_invitation_token(membership: Membership) -> str:
    """The accept link's token: names one membership (so a withdrawn and re-sent invitation makes a new one)."""
    return signing.dumps(
        {"m": membership.pk, "u": membership.user.public_id, "t": membership.tenant_id}, salt=STAFF_INVITATION_SALT
    )


def staff_membership_add(
    *, tenant: Tenant, user: User, role: str, created: bool, email_new_account: bool = True
) -> Membership:
    """Give a staff account a role here. An account made just now for this brand (`created`) has it at once and
    is emailed a link to choose its password (unless `email_new_account` is off: the operator's `load_tenant`
    leaves that to `create_staff`); an existing account is shared with other brands, so it gets an invitation
    it must accept (emailed to it) and no access until then. Call inside a transaction."""
    membership = Membership.objects.create(
        user=user, tenant=tenant, role=role, accepted_at=timezone.now() if created else None
    )
    if created:
        if email_new_account:
            notify(
                tenant=tenant,
                kind=NotificationKind.STAFF_INVITATION,
                to=user.email,
                context={"link": password_reset_link(tenant=tenant, user=user), "role": role, "email": user.email},
                subject_ref=user.public_id,
            )
        staff_groups_sync(user)
    else:
        query = urlencode({"token": staff_invitation_token(membership)})
        notify(
            tenant=tenant,
            kind=NotificationKind.STAFF_MEMBERSHIP_INVITATION,
            to=user.email,
            context={
                "link": f"{settings.AFTERSALE_PUBLIC_BASE_URL}/{tenant.slug}/accept-invitation?{query}",
                "role": role,
                "email": user.email,
                "customer_name": user.full_name,
            },
            subject_ref=user.public_id,
        )
    return membership


@transaction.atomic
def staff_invite(*, tenant: Tenant, email: str, role: str) -> Membership:
    """Add a person to the staff here: a new account at once (it chooses its password from the email), an
    existing one as an invitation it accepts (`staff_invitation_accept`)."""
    email = _email_check(email)
    if role not in StaffRole.values:
        raise ValidationFailed.field("role", "invalid_choice", "The role is `admin` or `agent`.")
    user, created = staff_user_get_or_create(email=email)
    if Membership.objects.filter(user=user, tenant=tenant).exists():
        raise Conflict("This person is already on the staff here, or invited.", code=AccountErrorCode.ALREADY_STAFF)
    return staff_membership_add(tenant=tenant, user=user, role=role, created=created)


@transaction.atomic
def staff_invitation_accept(*, tenant: Tenant, token: str) -> Membership:
    """The invited person accepts with the emailed link: the membership gives its role from now on.

    The token is the proof (it was emailed to the account's address), like a reset link's; opening it twice is
    fine. A token of another brand, of a withdrawn invitation or of another account is refused the same way.
    """
    invalid = ValidationFailed.field("token", "invalid_token", _INVALID_INVITATION)
    try:
        data = signing.loads(token, salt=STAFF_INVITATION_SALT, max_age=STAFF_INVITATION_MAX_AGE)
    except (signing.BadSignature, TypeError):
        raise invalid from None
    if not isinstance(data, dict) or data.get("t") != tenant.id:
        raise invalid
    membership = (
        Membership.objects.select_for_update().filter(tenant=tenant, pk=data.get("m")).select_related("user").first()
    )
    if membership is None or membership.user.public_id != data.get("u") or not membership.user.is_active:
        raise invalid
    if membership.accepted_at is None:
        membership.accepted_at = timezone.now()
        membership.save(update_fields=["accepted_at", "updated_at"])
        staff_groups_sync(membership.user)
    return membership


@transaction.atomic
def staff_update(*, tenant: Tenant, public_id: str, data: dict) -> Membership:
    """Change a staff member's role or deactivate them here; the last active admin cannot be removed."""
    refused = [name for name in data if name not in ("role", "is_active")]
    if refused:
        raise ValidationFailed(
            fields={name: [{"code": "not_allowed", "message": "This field cannot be changed here."}] for name in refused}
        )
    if "role" in data and data["role"] not in StaffRole.values:
        raise ValidationFailed.field("role", "invalid_choice", "The role is `admin` or `agent`.")
    if "is_active" in data and not isinstance(data["is_active"], bool):
        raise ValidationFailed.field("is_active", "invalid", "is_active is true or false.")
    memberships = list(Membership.objects.select_for_update().filter(tenant=tenant).select_related("user"))
    membership = next((m for m in memberships if m.user.public_id == public_id), None)
    if membership is None:
        raise NotFound()
    deactivated = membership.is_active and data.get("is_active") is False
    membership.role = data.get("role", membership.role)
    membership.is_active = data.get("is_active", membership.is_active)
    admins = [
        m for m in memberships if m.role == Role.ADMIN and m.is_active and not m.is_pending and m.user.is_active
    ]
    if not admins:
        raise Conflict("The brand must keep at least one active admin.", code=AccountErrorCode.LAST_ADMIN)
    changed = ["role", "is_active", "updated_at"]
    if deactivated:
        # Every token issued for this brand stays refused, even after a reactivation; other brands' are untouched.
        membership.sessions_version += 1
        changed.append("sessions_version")
    membership.save(update_fields=changed)
    if deactivated:
        tokens_revoke_at_tenant(user=membership.user, tenant=tenant)
    staff_groups_sync(membership.user)
    return membership


def staff_user_get_or_create(*, email: str) -> tuple[User, bool]:
    email = normalize_email(email)
    user = User.objects.filter(tenant__isnull=True, email=email).first()
    if user:
        return user, False
    user = User(username=email, email=email, tenant=None)
    user.set_unusable_password()
    user.save()
    return user, True
