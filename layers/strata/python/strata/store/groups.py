"""Groups, their members with roles (owner, admin, member), and a user's groups."""

from __future__ import annotations

from boto3.dynamodb.conditions import Attr

from strata.errors import Conflict, NotFound, ValidationError
from strata.ids import new_id
from strata.models.base import Page
from strata.models.groups import Group, GroupCreate, GroupMember, GroupRole, GroupUpdate
from strata.store import keys
from strata.store.base import Repository, attributes, changes, draft, entity, page_of
from strata.store.expressions import SortCondition
from strata.store.requests import QuerySpec
from strata.store.transactions import TransactionFailed, TxDelete, TxPut, TxUpdate

MEMBER_COUNT = "stats.memberCount"


class GroupRepository(Repository):
    def create(self, data: GroupCreate, *, owner_id: str) -> Group:
        """The group with its owner as first member: 1 TransactWriteItems. Id taken -> Conflict."""
        now = self._now()
        group = draft(
            Group,
            now,
            group_id=data.group_id or new_id(now),
            name=data.name,
            description=data.description,
            created_by=owner_id,
            owner_id=owner_id,
            stats={"member_count": 1},
        )
        owner = self._member(group, owner_id, GroupRole.OWNER)
        try:
            written = self._table.transact(
                [
                    TxPut(
                        keys.group_metadata(group.group_id),
                        attributes(
                            group, entity="GROUP", GSI3PK=keys.GROUP_TYPE, GSI3SK=group.name
                        ),
                        create=True,
                        label="group",
                    ),
                    TxPut(keys.group_member(group.group_id, owner_id), owner, create=True),
                ]
            )
        except TransactionFailed:
            raise Conflict("a group with that id already exists") from None
        return entity(Group, written["group"])

    def get(self, group_id: str) -> Group:
        """1 GetItem. Absent -> NotFound."""
        item = self._table.get(keys.group_metadata(group_id))
        if item is None:
            raise NotFound("group not found")
        return entity(Group, item)

    def list_groups(self, *, limit: int = 50, next_token: str | None = None) -> Page[Group]:
        """Every group by name (admin): 1 Query on GSI3."""
        spec = QuerySpec(keys.GROUP_TYPE, index="GSI3")
        return page_of(Group, self._table.query(spec, limit=limit, next_token=next_token))

    def update(self, group_id: str, update: GroupUpdate, *, expected_version: int) -> Group:
        """1 UpdateItem (GSI3SK follows the name). Stale version -> Conflict."""
        values = changes(update)
        if "name" in values:
            values["GSI3SK"] = values["name"]
        item = self._table.update(
            keys.group_metadata(group_id),
            set_values=values,
            expected_version=expected_version,
            what="group",
        )
        return entity(Group, item)

    def delete(self, group_id: str) -> None:
        """The group, its members and its grants: 1 Query per 1,000 items + 1 BatchWriteItem per
        25 items. Member and grant items are found through the group's partition."""
        self.get(group_id)
        spec = QuerySpec(keys.group_partition(group_id), consistent=True, projection=("PK", "SK"))
        doomed = [keys.ItemKey.of(item) for item in self._table.query_all(spec)]
        self._table.batch_write(deletes=doomed)

    def add_member(
        self, group_id: str, user_id: str, role: GroupRole = GroupRole.MEMBER
    ) -> GroupMember:
        """Add a member and count it, atomically: 1 GetItem + 1 TransactWriteItems.

        Already a member -> Conflict. Owners are made only by create and transfer_ownership.
        """
        if role is GroupRole.OWNER:
            raise ValidationError("a group gets a new owner through an ownership transfer")
        group = self.get(group_id)
        member = self._member(group, user_id, role)
        try:
            written = self._table.transact(
                [
                    TxPut(
                        keys.group_member(group_id, user_id), member, create=True, label="member"
                    ),
                    TxUpdate(
                        keys.group_metadata(group_id), add_values={MEMBER_COUNT: 1}, label="group"
                    ),
                ]
            )
        except TransactionFailed as exc:
            if "member" in exc.failed:
                raise Conflict("the user is already a member of the group") from None
            raise NotFound("group not found") from None
        return entity(GroupMember, written["member"])

    def remove_member(self, group_id: str, user_id: str) -> None:
        """Remove a member and uncount it, atomically: 1 TransactWriteItems.

        Not a member -> NotFound; the owner -> Conflict (transfer ownership first).
        """
        try:
            self._table.transact(
                [
                    TxDelete(
                        keys.group_member(group_id, user_id),
                        must_exist=True,
                        condition=Attr("role").ne(GroupRole.OWNER.value),
                        label="member",
                    ),
                    TxUpdate(
                        keys.group_metadata(group_id), add_values={MEMBER_COUNT: -1}, label="group"
                    ),
                ]
            )
        except TransactionFailed as exc:
            if exc.current.get("member"):
                raise Conflict("the owner cannot leave; transfer ownership first") from None
            raise NotFound("membership not found") from None

    def get_member(self, group_id: str, user_id: str) -> GroupMember:
        """1 GetItem. Not a member -> NotFound."""
        item = self._table.get(keys.group_member(group_id, user_id))
        if item is None:
            raise NotFound("membership not found")
        return entity(GroupMember, item)

    def set_member_role(self, group_id: str, user_id: str, role: GroupRole) -> GroupMember:
        """Make a member an admin or a plain member: 1 UpdateItem. The owner's role is fixed."""
        if role is GroupRole.OWNER:
            raise ValidationError("a group gets a new owner through an ownership transfer")
        try:
            item = self._table.update(
                keys.group_member(group_id, user_id),
                set_values={"role": role.value},
                condition=Attr("role").ne(GroupRole.OWNER.value),
                what="membership",
            )
        except Conflict:
            raise Conflict("the owner's role changes only by an ownership transfer") from None
        return entity(GroupMember, item)

    def members(
        self, group_id: str, *, limit: int = 50, next_token: str | None = None
    ) -> Page[GroupMember]:
        """Members by user id: 1 Query on the group's partition."""
        spec = QuerySpec(
            keys.group_partition(group_id), sort=SortCondition.begins_with(keys.MEMBER_PREFIX)
        )
        return page_of(GroupMember, self._table.query(spec, limit=limit, next_token=next_token))

    def groups_of_user(
        self, user_id: str, *, limit: int = 50, next_token: str | None = None
    ) -> Page[GroupMember]:
        """A user's memberships (with group names): 1 Query on GSI1."""
        spec = QuerySpec(keys.user_groups(user_id), index="GSI1")
        return page_of(GroupMember, self._table.query(spec, limit=limit, next_token=next_token))

    def longest_standing_member(self, group_id: str, *, excluding: str) -> str | None:
        """The member who joined first (ties by user id), other than ``excluding``: 1 Query per
        1,000 members. None when nobody else is a member."""
        spec = QuerySpec(
            keys.group_partition(group_id),
            sort=SortCondition.begins_with(keys.MEMBER_PREFIX),
            consistent=True,
            projection=("userId", "joinedAt"),
        )
        candidates = [
            (str(item.get("joinedAt", "")), str(item["userId"]))
            for item in self._table.query_all(spec)
            if item.get("userId") != excluding
        ]
        return min(candidates)[1] if candidates else None

    def transfer_ownership(self, group_id: str, *, from_user: str, to_user: str) -> Group:
        """The owner hands the group to an existing member (who becomes owner; the former
        owner becomes admin), all or nothing: 1 TransactWriteItems + 1 consistent GetItem."""
        if from_user == to_user:
            raise ValidationError("the new owner must be another member")
        owner_role = Attr("role").eq(GroupRole.OWNER.value)
        try:
            self._table.transact(
                [
                    TxUpdate(
                        keys.group_metadata(group_id),
                        set_values={"ownerId": to_user},
                        condition=Attr("ownerId").eq(from_user),
                        label="group",
                    ),
                    TxUpdate(
                        keys.group_member(group_id, from_user),
                        set_values={"role": GroupRole.ADMIN.value},
                        condition=owner_role,
                        label="from",
                    ),
                    TxUpdate(
                        keys.group_member(group_id, to_user),
                        set_values={"role": GroupRole.OWNER.value},
                        label="to",
                    ),
                ]
            )
        except TransactionFailed as exc:
            if "to" in exc.failed and exc.current.get("to") is None:
                raise NotFound("the new owner must already be a member") from None
            raise Conflict("only the current owner can transfer the group") from None
        item = self._table.get(keys.group_metadata(group_id), consistent=True)
        if item is None:
            raise NotFound("group not found")
        return entity(Group, item)

    def sync_member_names(self, group_id: str) -> int:
        """Copy the group's current name onto every membership that shows another one.

        1 consistent GetItem + 1 Query per 1,000 members + 1 UpdateItem per stale membership.
        Reading the current name (not the name a stream record carried) makes a late or
        replayed record harmless. A group gone meanwhile -> 0.
        """
        item = self._table.get(keys.group_metadata(group_id), consistent=True)
        if item is None:
            return 0
        name = str(item["name"])
        spec = QuerySpec(
            keys.group_partition(group_id),
            sort=SortCondition.begins_with(keys.MEMBER_PREFIX),
            consistent=True,
            projection=("userId", "groupName"),
        )
        stale = [
            str(m["userId"]) for m in self._table.query_all(spec) if m.get("groupName") != name
        ]
        for user_id in stale:
            try:
                self._table.update(
                    keys.group_member(group_id, user_id),
                    set_values={"groupName": name},
                    what="membership",
                )
            except NotFound:
                continue  # left the group meanwhile
        return len(stale)

    def _member(self, group: Group, user_id: str, role: GroupRole) -> dict[str, object]:
        now = self._now()
        member = draft(
            GroupMember,
            now,
            group_id=group.group_id,
            user_id=user_id,
            role=role,
            joined_at=now,
            group_name=group.name,
        )
        return attributes(
            member,
            entity="GROUP_MEMBER",
            GSI1PK=keys.user_groups(user_id),
            GSI1SK=f"GROUP#{group.group_id}",
        )
