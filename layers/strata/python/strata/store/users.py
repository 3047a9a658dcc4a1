"""Users: profiles keyed by the Cognito ``sub``, unique emails, admin lists and logins."""

from __future__ import annotations

from datetime import datetime

from boto3.dynamodb.conditions import Attr

from strata.clock import format_timestamp
from strata.errors import Conflict, NotFound
from strata.models.base import Page
from strata.models.users import AdminUserUpdate, CognitoClaims, User, UserMetadata, UserUpdate
from strata.store import keys
from strata.store.base import Repository, attributes, changes, draft, entity, page_of
from strata.store.codec import Item
from strata.store.requests import QuerySpec
from strata.store.transactions import TransactionFailed, TxDelete, TxPut, TxUpdate

EMAIL_TAKEN = "that email address belongs to another account"


class UserRepository(Repository):
    def get(self, user_id: str) -> User:
        """The profile: 1 GetItem. Absent -> NotFound."""
        item = self._table.get(keys.user_profile(user_id))
        if item is None:
            raise NotFound("user not found")
        return entity(User, item)

    def find(self, user_id: str) -> User | None:
        """The profile or None: 1 GetItem."""
        item = self._table.get(keys.user_profile(user_id))
        return entity(User, item) if item else None

    def get_by_email(self, email: str) -> User:
        """The profile with this email: 1 Query on GSI1 (eventually consistent)."""
        spec = QuerySpec(keys.email_lookup(email), index="GSI1")
        page = self._table.query(spec, limit=1)
        if not page.items:
            raise NotFound("user not found")
        return entity(User, page.items[0])

    def list_users(self, *, limit: int = 50, next_token: str | None = None) -> Page[User]:
        """Every user, oldest first (admin): 1 Query per GSI3 shard (USER_LIST_SHARDS)."""
        specs = [QuerySpec(p, index="GSI3") for p in keys.user_list_partitions()]
        return page_of(User, self._table.query_merged(specs, limit=limit, next_token=next_token))

    def count(self) -> int:
        """How many profiles exist: 1 Query (Select COUNT) per GSI3 shard per 1 MB."""
        return sum(
            self._table.count(QuerySpec(p, index="GSI3")) for p in keys.user_list_partitions()
        )

    def recent_logins(self, *, limit: int = 50, next_token: str | None = None) -> Page[User]:
        """Users by lastLoginAt, newest first: 1 Query per GSI2 shard (LOGIN_SHARDS)."""
        specs = [QuerySpec(p, index="GSI2", forward=False) for p in keys.login_partitions()]
        return page_of(User, self._table.query_merged(specs, limit=limit, next_token=next_token))

    def upsert_from_claims(self, claims: CognitoClaims) -> User:
        """Create or refresh a profile from verified claims; idempotent.

        New: 1 GetItem + 1 TransactWriteItems (profile + email uniqueness item).
        Known, same email: 1 GetItem + 1 UpdateItem. Email changed: 1 GetItem + 1 transaction
        (profile, old and new uniqueness items) + 1 consistent GetItem.
        An email owned by someone else -> Conflict.
        """
        current = self.find(claims.sub)
        if current is None:
            try:
                return self._create(claims)
            except TransactionFailed as exc:
                owner = (exc.current.get("email") or {}).get("userId")
                if "email" in exc.failed and owner != claims.sub:
                    raise Conflict(EMAIL_TAKEN, details={"field": "email"}) from None
                current = self._consistent(claims.sub)  # created concurrently: refresh it
        return self._refresh(current, claims)

    def _create(self, claims: CognitoClaims) -> User:
        now = self._now()
        user = draft(
            User,
            now,
            user_id=claims.sub,
            email=claims.email,
            first_name=claims.given_name,
            last_name=claims.family_name,
            role=claims.role,
            provider=claims.provider,
            metadata=UserMetadata(
                registration_source=claims.provider.value.lower(),
                email_verified=claims.email_verified,
                cognito_username=claims.cognito_username,
            ),
        )
        profile = attributes(user, entity="USER", **self._index_keys(user, self._now_text()))
        written = self._table.transact(
            [
                TxPut(keys.user_profile(user.user_id), profile, create=True, label="profile"),
                TxPut(
                    keys.email_unique(user.email), self._unique(user), create=True, label="email"
                ),
            ]
        )
        return entity(User, written["profile"])

    def _refresh(self, current: User, claims: CognitoClaims) -> User:
        values = {
            "firstName": claims.given_name or current.first_name,
            "lastName": claims.family_name or current.last_name,
            "role": claims.role.value,
            "metadata.emailVerified": claims.email_verified,
        }
        profile = keys.user_profile(current.user_id)
        if keys.normalize_email(claims.email) == keys.normalize_email(current.email):
            return entity(User, self._table.update(profile, set_values=values, what="user"))
        values |= {"email": claims.email, "GSI1PK": keys.email_lookup(claims.email)}
        try:
            self._table.transact(
                [
                    TxUpdate(profile, set_values=values, expected_version=current.version),
                    TxDelete(
                        keys.email_unique(current.email),
                        condition=Attr("userId").eq(current.user_id),
                        label="old-email",
                    ),
                    TxPut(
                        keys.email_unique(claims.email),
                        {"userId": current.user_id, "entity": "UNIQUE_EMAIL"},
                        create=True,
                        label="email",
                    ),
                ]
            )
        except TransactionFailed as exc:
            if "email" in exc.failed:
                raise Conflict(EMAIL_TAKEN, details={"field": "email"}) from None
            raise
        return self._consistent(current.user_id)

    def record_login(self, user_id: str, at: datetime | None = None) -> User:
        """lastLoginAt = now, loginCount + 1, moved to the head of recent logins: 1 UpdateItem."""
        stamp = format_timestamp(at or self._now())
        item = self._table.update(
            keys.user_profile(user_id),
            set_values={
                "lastLoginAt": stamp,
                "GSI2PK": keys.login_partition(user_id),
                "GSI2SK": stamp,
            },
            add_values={"loginCount": 1},
            what="user",
        )
        return entity(User, item)

    def update(
        self, user_id: str, update: UserUpdate | AdminUserUpdate, *, expected_version: int
    ) -> User:
        """Change profile fields if the version matches: 1 UpdateItem. Stale -> Conflict."""
        item = self._table.update(
            keys.user_profile(user_id),
            set_values=changes(update),
            expected_version=expected_version,
            what="user",
        )
        return entity(User, item)

    def deactivate(self, user_id: str) -> User:
        """isActive = false whatever the version (erasure's first step): 1 UpdateItem."""
        item = self._table.update(
            keys.user_profile(user_id), set_values={"isActive": False}, what="user"
        )
        return entity(User, item)

    def delete(self, user_id: str) -> None:
        """Delete the profile and its email uniqueness item: 1 GetItem + 1 transaction (+ 1 when
        the uniqueness item belongs to another account and stays).

        The rest of their data is erased by :class:`strata.store.user_data.UserDataRepository`.
        """
        current = self._table.get(keys.user_profile(user_id), consistent=True)
        if current is None:
            raise NotFound("user not found")
        user = entity(User, current)
        profile = TxDelete(keys.user_profile(user_id), expected_version=user.version, label="user")
        # The uniqueness item goes only if it is this profile's: one that names another account
        # (the address moved on) stays, and the profile is deleted alone.
        owned = Attr("userId").not_exists() | Attr("userId").eq(user_id)
        try:
            self._table.transact(
                [profile, TxDelete(keys.email_unique(user.email), condition=owned, label="email")]
            )
        except TransactionFailed as exc:
            if exc.failed != ("email",):
                raise
            self._table.transact([profile])

    def _consistent(self, user_id: str) -> User:
        item = self._table.get(keys.user_profile(user_id), consistent=True)
        if item is None:
            raise NotFound("user not found")
        return entity(User, item)

    @staticmethod
    def _index_keys(user: User, now: str) -> dict[str, str]:
        return {
            "GSI1PK": keys.email_lookup(user.email),
            "GSI1SK": keys.PROFILE,
            "GSI3PK": keys.user_list_partition(user.user_id),
            "GSI3SK": now,
        }

    @staticmethod
    def _unique(user: User) -> Item:
        return {"userId": user.user_id, "entity": "UNIQUE_EMAIL"}
