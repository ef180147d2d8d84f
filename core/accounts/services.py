"""Account use cases: sign-up, sign-in, roles and suspension. Callers commit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from core.accounts import security_mail
from core.accounts.exceptions import (
    AccountSuspended,
    EmailTaken,
    InvalidCredentials,
    RoleNotAllowed,
    SelfLockout,
    WeakPassword,
)
from core.accounts.models import (
    SELF_SERVICE_ROLES,
    Role,
    User,
    UserRole,
    new_session_token,
)
from core.accounts.passwords import passwords
from core.audit import services as audit
from core.db import escape_like
from core.extensions import db
from core.types import utcnow

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 128


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_strength(password: str, *, email: str = "") -> None:
    """Raise ``WeakPassword`` with a reason the user can act on."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise WeakPassword(f"Use at least {PASSWORD_MIN_LENGTH} characters for your password.")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise WeakPassword(f"Use at most {PASSWORD_MAX_LENGTH} characters for your password.")
    if email and password.strip().lower() == normalise_email(email):
        raise WeakPassword("Your password must not be your email address.")
    if len(set(password)) < 4:
        raise WeakPassword("Your password repeats too few characters; mix in some others.")


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def load_session_user(session_id: str) -> User | None:
    """Resolve Flask-Login's ``id:token`` to an active user, or None if the session has ended."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_token != token or user.is_suspended:
        return None
    return user


def register_user(
    *,
    email: str,
    password: str,
    display_name: str,
    roles: set[Role] | frozenset[Role],
    verified: bool = False,
) -> User:
    """Create an account holding ``roles`` (buyer is always included); ``verified`` marks the
    address as proven (demo accounts; a sign-up proves it by the mailed link)."""
    email = normalise_email(email)
    check_password_strength(password, email=email)
    if find_by_email(email) is not None:
        raise EmailTaken()
    user = User(
        email=email,
        display_name=display_name.strip() or email.split("@")[0],
        password_hash=passwords.hash(password),
        email_verified_at=utcnow() if verified else None,
    )
    user.roles = [UserRole(role=role.value) for role in sorted({Role.BUYER, *roles})]
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise EmailTaken() from None
    return user


def authenticate(email: str, password: str) -> User:
    """Return the user whose credentials these are; raise otherwise."""
    user = find_by_email(email)
    if not passwords.verify(user.password_hash if user else None, password) or user is None:
        raise InvalidCredentials()
    if user.is_suspended:
        raise AccountSuspended()
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
    user.last_login_at = utcnow()
    return user


def change_password(user: User, *, current: str, new: str) -> None:
    """Change the password and end every other session of this user."""
    if not passwords.verify(user.password_hash, current):
        raise InvalidCredentials()
    check_password_strength(new, email=user.email)
    user.password_hash = passwords.hash(new)
    user.session_token = new_session_token()
    audit.record(
        actor_id=user.id, action="password_changed", subject_type="user", subject_id=user.id
    )
    security_mail.password_changed(user)


def add_self_service_role(user: User, role: Role) -> bool:
    """Let a user take a role they may give themselves; return False if they had it."""
    if role not in SELF_SERVICE_ROLES:
        raise RoleNotAllowed("Finance and admin roles are granted by an administrator.")
    if user.has_role(role):
        return False
    user.roles.append(UserRole(role=role.value))
    audit.record(
        actor_id=user.id,
        action="role_added",
        subject_type="user",
        subject_id=user.id,
        to_state=role.value,
    )
    return True


def grant_role(user: User, role: Role, *, by: User | None) -> bool:
    """Grant a role as an administrator (or the CLI when ``by`` is None)."""
    if user.has_role(role):
        return False
    user.roles.append(UserRole(role=role.value, granted_by_id=by.id if by else None))
    audit.record(
        actor_id=by.id if by else None,
        action="role_granted",
        subject_type="user",
        subject_id=user.id,
        to_state=role.value,
    )
    return True


def revoke_role(user: User, role: Role, *, by: User) -> bool:
    if role is Role.ADMIN and user.id == by.id:
        raise SelfLockout("You cannot remove your own admin role; ask another administrator.")
    if role is Role.BUYER:
        raise RoleNotAllowed("Every account can buy; the buyer role cannot be removed.")
    held = [r for r in user.roles if r.role == role.value]
    if not held:
        return False
    for user_role in held:
        user.roles.remove(user_role)
    audit.record(
        actor_id=by.id,
        action="role_revoked",
        subject_type="user",
        subject_id=user.id,
        from_state=role.value,
    )
    return True


def suspend_user(user: User, *, by: User, reason: str) -> bool:
    """Suspend an account and end all of its sessions."""
    if user.id == by.id:
        raise SelfLockout("You cannot suspend your own account.")
    if user.is_suspended:
        return False
    user.suspended_at = utcnow()
    user.suspension_reason = reason
    user.session_token = new_session_token()
    audit.record(
        actor_id=by.id,
        action="user_suspended",
        subject_type="user",
        subject_id=user.id,
        from_state="active",
        to_state="suspended",
        reason=reason,
    )
    return True


def reinstate_user(user: User, *, by: User, reason: str | None = None) -> bool:
    if not user.is_suspended:
        return False
    user.suspended_at = None
    user.suspension_reason = None
    audit.record(
        actor_id=by.id,
        action="user_reinstated",
        subject_type="user",
        subject_id=user.id,
        from_state="suspended",
        to_state="active",
        reason=reason,
    )
    return True


@dataclass(frozen=True)
class UserPage:
    users: list[User]
    total: int


def search_users(query: str, *, role: Role | None, page: int, per_page: int) -> UserPage:
    """Users matching ``query`` in email or name (case-insensitive), newest first."""
    stmt = select(User)
    count = select(func.count(User.id))
    if query:
        pattern = f"%{escape_like(query.strip().lower())}%"
        condition = or_(
            User.email.like(pattern, escape="\\"),
            func.lower(User.display_name).like(pattern, escape="\\"),
        )
        stmt, count = stmt.where(condition), count.where(condition)
    if role is not None:
        has_role = (
            select(UserRole.id)
            .where(UserRole.user_id == User.id, UserRole.role == role.value)
            .exists()
        )
        stmt, count = stmt.where(has_role), count.where(has_role)
    total = db.session.scalar(count) or 0
    users = db.session.scalars(
        stmt.order_by(User.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return UserPage(users=list(users), total=total)
