"""Erasing a user (right to be forgotten): their account stopped, their groups handed over, their
documents' files and vectors, their memories' vectors, every item of theirs in the table, then
their Cognito account.

Each step is idempotent and the profile goes last but one, so a run cut short (a timeout, a
failed dependency) is finished by running it again: the profile still exists until the table
data is gone, and a repeat after that only removes the Cognito account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from pydantic import BaseModel

from strata.auth.directory import UserDirectory
from strata.documents.layout import DocumentKeys
from strata.documents.uploads import DocumentUploads
from strata.errors import NotFound
from strata.models import GroupRole, Page
from strata.search.types import VectorIndex
from strata.store.documents import DocumentRepository
from strata.store.groups import GroupRepository
from strata.store.memories import MemoryRepository
from strata.store.user_data import ErasureReport, UserDataRepository
from strata.store.users import UserRepository

PAGE = 100

M = TypeVar("M", bound=BaseModel)


def every(fetch: Callable[[str | None], Page[M]]) -> Iterator[M]:
    token: str | None = None
    while True:
        page = fetch(token)
        yield from page.items
        token = page.next_token
        if token is None:
            return


class UserErasure:
    def __init__(
        self,
        *,
        users: UserRepository,
        groups: GroupRepository,
        user_data: UserDataRepository,
        documents: DocumentRepository,
        memories: MemoryRepository,
        uploads: DocumentUploads,
        index: VectorIndex,
        directory: UserDirectory,
    ) -> None:
        self._users = users
        self._groups = groups
        self._user_data = user_data
        self._documents = documents
        self._memories = memories
        self._uploads = uploads
        self._index = index
        self._directory = directory

    def erase(self, user_id: str) -> ErasureReport:
        """Everything of ``user_id``; NotFound (after removing a leftover account) if no profile.

        First the account is stopped: the profile deactivated (the API refuses the caller), the
        directory account disabled and its refresh tokens revoked (AdminUserGlobalSignOut), so
        nothing can sign in or write while the data goes, and a run cut short leaves a refused
        account rather than a live one. The account itself is deleted last.
        """
        if self._users.find(user_id) is None:
            self._directory.sign_out_everywhere(user_id)
            self._directory.delete_user(user_id)
            raise NotFound("user not found")
        self._users.deactivate(user_id)
        self._directory.disable_user(user_id)
        self._directory.sign_out_everywhere(user_id)
        self._hand_over_groups(user_id)
        for document in every(
            lambda t: self._documents.list_documents(user_id, limit=PAGE, next_token=t)
        ):
            self._index.delete_document(user_id, document.document_id)
            self._uploads.delete_objects(DocumentKeys(user_id, document.document_id))
        for memory in every(
            lambda t: self._memories.list_memories(user_id, limit=PAGE, next_token=t)
        ):
            self._index.delete_memory(user_id, memory.memory_id)
        report = self._user_data.erase(user_id)
        self._directory.delete_user(user_id)
        return report

    def _hand_over_groups(self, user_id: str) -> None:
        """Each group the user owns passes to its longest-standing other member; a group with
        no other member is deleted (with its Cognito group). Repeatable: a handed-over group is
        no longer the user's to hand over."""
        owned = [
            membership.group_id
            for membership in every(
                lambda t: self._groups.groups_of_user(user_id, limit=PAGE, next_token=t)
            )
            if membership.role is GroupRole.OWNER
        ]
        for group_id in owned:
            successor = self._groups.longest_standing_member(group_id, excluding=user_id)
            if successor is None:
                self._groups.delete(group_id)
                self._directory.delete_group(group_id)
            else:
                self._groups.transfer_ownership(group_id, from_user=user_id, to_user=successor)
