"""Release of selection data to the public, and its withdrawal.

:func:`set_release` is the only code that changes ``SelectionData.published`` (which the scope
rules read): in one transaction it sets the flag and writes a
:class:`~ikoe.barriers.models.SelectionRelease` record with who, when, how and why. A new import
under the same name starts unreleased and records that it ended a release.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ikoe.accounts.models import acting_account
from ikoe.barriers.models import SelectionData, SelectionRelease

Action = SelectionRelease.Action
Channel = SelectionRelease.Channel


def set_release(
    data: SelectionData,
    released: bool,
    *,
    channel: str,
    user: Any = None,
    username: str = "",
    note: str = "",
) -> SelectionRelease | None:
    """Release ``data`` (``released=True``) or withdraw the release, and record it; ``None``
    when it already was in that state (then nothing is written)."""
    account = acting_account(user)
    if account is not None and not username:
        username = account.get_username()
    with transaction.atomic():
        # The row is locked so that two coordinators pressing at once write one record.
        current = SelectionData.objects.select_for_update().get(pk=data.pk)
        if current.published == released:
            data.published = released
            return None
        current.published = released
        current.save(update_fields=["published"])
        record = SelectionRelease.objects.create(
            data=current,
            data_name=current.name,
            land_id=current.land_id,
            action=Action.RELEASE if released else Action.WITHDRAW,
            channel=channel,
            user=account,
            username=username,
            note=note.strip(),
        )
    data.published = released
    return record


def record_replaced(old: SelectionData | None, new: SelectionData, user: Any = None) -> None:
    """After ``new`` replaced ``old`` under its name: carry the history over, and record that the
    import ended ``old``'s release."""
    if old is None:
        return
    SelectionRelease.objects.filter(data_name=new.name, data__isnull=True).update(data=new)
    if old.published:
        account = acting_account(user)
        SelectionRelease.objects.create(
            data=new,
            data_name=new.name,
            land_id=new.land_id,
            action=Action.WITHDRAW,
            channel=Channel.IMPORT,
            user=account,
            username=account.get_username() if account is not None else "",
        )
