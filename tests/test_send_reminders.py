"""ikoe send-reminders: owners of measures hear of milestones due soon or overdue, once a day."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone, translation

from ikoe.commands import send_reminders
from ikoe.measures.models import Measure, Milestone


@pytest.fixture(autouse=True)
def _english(settings):
    """The command's output read in English (IKOE_LANGUAGE=en)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def run(**kwargs: object) -> int:
    args = {"days": 7, "dry_run": False, **kwargs}
    return send_reminders.run(argparse.Namespace(**args))


@pytest.fixture
def milestones(agency_a, agency_a2):
    today = timezone.localdate()
    day = dt.timedelta(days=1)
    leitbild = Measure.objects.create(
        organisation=agency_a, title="Leitbild", type="organisation", owner_email="z@example.de"
    )
    other = Measure.objects.create(
        organisation=agency_a2, title="Formulare", type="access", owner_email="Z@example.de"
    )
    finished = Measure.objects.create(
        organisation=agency_a,
        title="Fertig",
        type="access",
        owner_email="f@example.de",
        status="completed",
    )
    nobody = Measure.objects.create(organisation=agency_a, title="Ohne", type="access")
    return {
        "soon": Milestone.objects.create(measure=leitbild, title="Entwurf", due=today + 3 * day),
        "overdue": Milestone.objects.create(measure=other, title="Übersetzt", due=today - 2 * day),
        "done": Milestone.objects.create(
            measure=leitbild, title="Auftakt", due=today - day, done=today - 2 * day
        ),
        "far": Milestone.objects.create(measure=leitbild, title="Bericht", due=today + 30 * day),
        "finished": Milestone.objects.create(measure=finished, title="X", due=today),
        "nobody": Milestone.objects.create(measure=nobody, title="Y", due=today),
    }


def test_due_soon_and_overdue_are_mailed_once_per_day(milestones, capsys):
    assert run() == 0

    assert len(mail.outbox) == 1  # one e-mail per address (the case does not matter)
    sent = mail.outbox[0]
    assert [a.lower() for a in sent.to] == ["z@example.de"]
    assert "Entwurf" in sent.body and "Übersetzt" in sent.body
    assert "Leitbild" in sent.body and "Agency A2" in sent.body
    for name in ("Auftakt", "Bericht", "X", "Y"):
        assert name not in sent.body
    assert "2" in sent.subject
    assert "1" in capsys.readouterr().out
    today = timezone.localdate()
    for name in ("soon", "overdue"):
        milestones[name].refresh_from_db()
        assert milestones[name].reminded == today
    milestones["far"].refresh_from_db()
    assert milestones["far"].reminded is None

    assert run() == 0  # the same day again: nothing
    assert len(mail.outbox) == 1
    assert "No milestone" in capsys.readouterr().out

    # the next day, a milestone not yet reached is mentioned again
    Milestone.objects.filter(pk=milestones["soon"].pk).update(reminded=today - dt.timedelta(1))
    assert run() == 0
    assert len(mail.outbox) == 2 and "Entwurf" in mail.outbox[1].body
    assert "Übersetzt" not in mail.outbox[1].body


def test_more_days_reach_further(milestones):
    assert run(days=30) == 0
    assert "Bericht" in mail.outbox[0].body


def test_dry_run_sends_and_marks_nothing(milestones, capsys):
    assert run(dry_run=True) == 0
    assert mail.outbox == []
    assert not Milestone.objects.filter(reminded__isnull=False).exists()
    out = capsys.readouterr().out
    assert "z@example.de" in out.lower() and "2 milestones" in out


def test_a_failed_e_mail_is_tried_again(milestones, monkeypatch, capsys):
    def refuse(*args: object, **kwargs: object) -> int:
        raise ConnectionRefusedError("no server")

    monkeypatch.setattr("django.core.mail.send_mail", refuse)
    assert run() == 1
    assert "no server" in capsys.readouterr().err
    assert not Milestone.objects.filter(reminded__isnull=False).exists()


def test_days_are_bounded():
    with pytest.raises(argparse.ArgumentTypeError):
        send_reminders.days("-1")
    with pytest.raises(argparse.ArgumentTypeError):
        send_reminders.days("many")
    assert send_reminders.days("0") == 0
