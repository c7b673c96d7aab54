"""``ikoe release``: release a survey to the public, or withdraw its release.

The command line is an operator's tool and sees every survey. Each change is recorded in the
survey's history (the release page shows it) with the person named by ``--user`` – an active
account that may release the survey: coordinator of its Land, federal coordinator or
administrator – or, without ``--user``, with the name of the operating-system account that ran
the command.

A joint survey of several Länder is released part by part: ``--land CODE`` (repeatable) names
the parts; without it, every part the account may release (for the operator: every part).
"""

from __future__ import annotations

import argparse
import sys

from django.utils.translation import gettext as _


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--survey", metavar="NAME", required=True, help=_("short name of the survey")
    )
    parser.add_argument(
        "--withdraw",
        action="store_true",
        help=_("withdraw the release: only the survey's Land and the federal level see it"),
    )
    parser.add_argument(
        "--user",
        metavar="USERNAME",
        help=_(
            "the account that decided, recorded in the history; it must be allowed to release "
            "the survey (default: the operating-system account, as text)"
        ),
    )
    parser.add_argument(
        "--land",
        metavar="CODE",
        action="append",
        help=_(
            "for a joint survey of several Länder: release (or withdraw) only the part of this "
            "Land, e.g. DE-BE; may be repeated (default: every part the account may release)"
        ),
    )
    parser.add_argument(
        "--note", default="", help=_("note for the history, e.g. the decision it rests on")
    )


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def run(args: argparse.Namespace) -> int:
    from django.contrib.auth import get_user_model

    from ikoe.surveys.models import Survey
    from ikoe.surveys.release import (
        Channel,
        ReleaseRefused,
        coordinated_parts,
        operator_name,
        set_release,
    )

    survey = Survey.objects.filter(name=args.survey).first()
    if survey is None:
        names = ", ".join(Survey.objects.order_by("name").values_list("name", flat=True)) or "–"
        return _fail(
            _("There is no survey “%(name)s”. Known surveys: %(names)s.")
            % {"name": args.survey, "names": names}
        )
    parts = survey.parts_list
    if args.land:
        codes = {p.land.code: p for p in parts}
        unknown = [c for c in args.land if c not in codes]
        if unknown:
            return _fail(
                _("The survey “%(name)s” has no part in %(codes)s; its Länder are: %(lands)s.")
                % {
                    "name": survey.name,
                    "codes": ", ".join(unknown),
                    "lands": ", ".join(codes),
                }
            )
        parts = [codes[c] for c in dict.fromkeys(args.land)]
    user = None
    username = operator_name()
    if args.user is not None:
        user = get_user_model().objects.filter(username=args.user, is_active=True).first()
        if user is None:
            return _fail(_("There is no active account “%(user)s”.") % {"user": args.user})
        coordinated = coordinated_parts(user, survey)
        allowed = [p for p in parts if p in coordinated]
        if not allowed or (args.land and len(allowed) < len(parts)):
            refused = [p.land.name for p in parts if p not in allowed]
            return _fail(
                _(
                    "The account “%(user)s” may not release surveys of %(land)s: that needs the "
                    "Land's coordination, the federal coordination or the administration."
                )
                % {"user": args.user, "land": ", ".join(refused)}
            )
        parts = allowed
        username = user.get_username()
    values = {
        "name": survey.name,
        "land": ", ".join(p.land.name for p in parts),
        "user": username or "–",
    }
    try:
        record = set_release(
            survey,
            not args.withdraw,
            channel=Channel.COMMAND,
            user=user,
            username=username,
            note=args.note,
            lands=[p.land for p in parts],
        )
    except ReleaseRefused as exc:
        return _fail(
            _("The survey “%(name)s” cannot be released: %(reasons)s")
            % {"name": survey.name, "reasons": " ".join(exc.reasons)}
        )
    if record is None:
        print(
            (
                _("The survey “%(name)s” is not released; nothing was changed.")
                if args.withdraw
                else _("The survey “%(name)s” is released already; nothing was changed.")
            )
            % values
        )
    elif args.withdraw:
        print(
            _(
                "Withdrew the release of “%(name)s”: only %(land)s and the federal level see it "
                "now. Recorded as: %(user)s."
            )
            % values
        )
    elif not survey.published:
        print(
            _(
                "Released the part of %(land)s of “%(name)s”: its figures are public now. Figures "
                "across all Länder of the survey follow once every Land has released its part. "
                "Recorded as: %(user)s."
            )
            % values
        )
    else:
        print(
            _(
                "Released “%(name)s” (%(land)s): its protected tables are public now, on the "
                "pages and in the API. Recorded as: %(user)s."
            )
            % values
        )
    return 0
