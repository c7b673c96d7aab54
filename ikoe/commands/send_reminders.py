"""``ikoe send-reminders [--days N] [--dry-run]``: remind the owners of measures of their
milestones that are due within N days (default 7) or overdue and not reached.

Each owner (the measure's ``owner_email``) gets one e-mail listing their milestones; a
milestone is mentioned at most once a day (``Milestone.reminded``), so the command can run
from cron as often as wanted. Milestones of completed or cancelled measures are left out.
E-mails go out through Django's ``send_mail`` (SMTP, or the console without
``IKOE_EMAIL_HOST``: docs/operations.md, "E-mail"). ``--dry-run`` prints what would be sent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_DAYS = 366


def days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_DAYS:
        raise argparse.ArgumentTypeError(
            _("“%(value)s” is not allowed; expected a whole number from 0 to %(max)d.")
            % {"value": text, "max": MAX_DAYS}
        )
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--days",
        type=days,
        default=7,
        metavar="N",
        help=_("remind of milestones due within N days (default 7); overdue ones always"),
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help=_("print who would get which reminder, send nothing and mark nothing"),
    )


@dataclass
class Reminder:
    """One e-mail: its recipient and the milestones it lists."""

    to: str
    milestones: list[Any] = field(default_factory=list)


def due_reminders(today: dt.date, within: int) -> list[Reminder]:
    """The e-mails to send today: per owner's address, the milestones not reached that are
    due by ``today + within`` days and were not yet mentioned today."""
    from django.db.models import Q

    from ikoe.measures.models import Measure, Milestone

    milestones = (
        Milestone.objects.filter(done__isnull=True, due__lte=today + dt.timedelta(days=within))
        .filter(Q(reminded__isnull=True) | Q(reminded__lt=today))
        .exclude(measure__owner_email="")
        .exclude(measure__status__in=[Measure.Status.COMPLETED, Measure.Status.CANCELLED])
        .select_related("measure__organisation")
        .order_by("due", "measure__title", "pk")
    )
    by_address: dict[str, Reminder] = {}
    for milestone in milestones:
        address = milestone.measure.owner_email.strip()
        by_address.setdefault(address.lower(), Reminder(address)).milestones.append(milestone)
    return sorted(by_address.values(), key=lambda r: r.to.lower())


def _when(due: dt.date, today: dt.date) -> str:
    from django.utils.formats import date_format

    shown = date_format(due, "SHORT_DATE_FORMAT")
    late = (today - due).days
    if late > 0:
        return ngettext(
            "due on %(date)s, %(count)d day overdue",
            "due on %(date)s, %(count)d days overdue",
            late,
        ) % {"date": shown, "count": late}
    if late == 0:
        return _("due today (%(date)s)") % {"date": shown}
    return ngettext(
        "due on %(date)s, in %(count)d day", "due on %(date)s, in %(count)d days", -late
    ) % {"date": shown, "count": -late}


def message(reminder: Reminder, today: dt.date) -> tuple[str, str]:
    """The subject and the text of the e-mail."""
    count = len(reminder.milestones)
    subject = ngettext(
        "IKÖ-Monitor: %(count)d milestone of your measures is due",
        "IKÖ-Monitor: %(count)d milestones of your measures are due",
        count,
    ) % {"count": count}
    lines = [
        _("Hello,"),
        "",
        _(
            "the following milestones of measures you are named as responsible for are due "
            "soon or overdue:"
        ),
        "",
    ]
    for m in reminder.milestones:
        lines.append(
            _("- %(measure)s (%(organisation)s): %(milestone)s, %(when)s")
            % {
                "measure": m.measure.title,
                "organisation": m.measure.organisation.name,
                "milestone": m.title,
                "when": _when(m.due, today),
            }
        )
    lines += [
        "",
        _(
            "Please record on the measure's page when a milestone is reached; then no further "
            "reminder is sent."
        ),
        "",
        _("This e-mail was sent automatically by the IKÖ-Monitor."),
    ]
    return subject, "\n".join(lines)


def send(reminders: Sequence[Reminder], today: dt.date) -> tuple[int, list[str]]:
    """Send the e-mails; each sent one marks its milestones as reminded today. The number of
    milestones mentioned, and the addresses that could not be reached."""
    from django.conf import settings
    from django.core.mail import send_mail

    from ikoe.measures.models import Milestone

    mentioned, failed = 0, []
    for reminder in reminders:
        subject, text = message(reminder, today)
        try:
            send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [reminder.to])
        except OSError as exc:  # SMTP errors are OSErrors
            failed.append(f"{reminder.to}: {exc}")
            continue
        ids = [m.pk for m in reminder.milestones]
        Milestone.objects.filter(pk__in=ids).update(reminded=today)
        mentioned += len(ids)
    return mentioned, failed


def run(args: argparse.Namespace) -> int:
    from django.utils import timezone

    today = timezone.localdate()
    reminders = due_reminders(today, args.days)
    if not reminders:
        print(
            _(
                "No milestone is due within %(days)d days or overdue that was not reminded of "
                "today; no e-mail sent."
            )
            % {"days": args.days}
        )
        return 0
    if args.dry_run:
        for reminder in reminders:
            print(
                ngettext(
                    "Would remind %(to)s of %(count)d milestone.",
                    "Would remind %(to)s of %(count)d milestones.",
                    len(reminder.milestones),
                )
                % {"to": reminder.to, "count": len(reminder.milestones)}
            )
        print(_("Dry run: nothing was sent."))
        return 0
    mentioned, failed = send(reminders, today)
    sent = len(reminders) - len(failed)
    print(
        ngettext(
            "Sent %(count)d e-mail about %(milestones)d milestones.",
            "Sent %(count)d e-mails about %(milestones)d milestones.",
            sent,
        )
        % {"count": sent, "milestones": mentioned}
    )
    for line in failed:
        print(
            _("Not sent (tried again on the next run): %(error)s") % {"error": line},
            file=sys.stderr,
        )
    return 1 if failed else 0
