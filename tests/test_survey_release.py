"""Releasing a survey to the public and withdrawing the release: the release page, ``ikoe release``,
the history of who did it, what the public sees before and after, and a new import.

The survey is a small import of Land A (``land-a-2024``, unreleased) under the test cast of
``tests/conftest.py``; ``client_coordinator_b``, ``client_viewer_a`` are made here.
"""

from __future__ import annotations

import getpass
import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Permission
from django.test import Client

from ikoe.accounts.models import Membership, Role
from ikoe.accounts.scope import visible
from ikoe.surveys.demo import DEMO_SURVEY, load_demo
from ikoe.surveys.models import Survey, SurveyRelease
from ikoe.surveys.pipeline import import_survey
from ikoe.surveys.release import Channel, ReleaseRefused, set_release
from tests.test_survey_import import mark_published, people, run_cli, write_csv

pytestmark = pytest.mark.django_db

NAME = "land-a-2024"
RELEASE = f"/befragungen/{NAME}/freigabe/"
OVERVIEW = f"/befragungen/{NAME}/"
ORGANISATION = f"/befragungen/{NAME}/organisation/A-MIN/"
DIAGNOSTICS = f"/befragungen/{NAME}/diagnose/"
API_CELLS = f"/api/v1/surveys/{NAME}/cells"
PUBLIC_URLS = [OVERVIEW, ORGANISATION, API_CELLS]


def import_land_a(tmp_path, user=None, name: str = NAME) -> Survey:
    """46 respondents of Land A: A-AGY 12 yes, 24 no, 2 unknown; A-AGY2 3 yes, 5 no."""
    rows = people("A-AGY", 12, 24, 2) + people("A-AGY2", 3, 5)
    path = write_csv(tmp_path / f"{name}.csv", rows)
    return import_survey(path, name=name, year=2024, title="Befragung Land A 2024", user=user)


@pytest.fixture
def survey(cast, tmp_path) -> Survey:
    return import_land_a(tmp_path)


def _member(cast, username: str, role: Role, land: str) -> Client:
    user = get_user_model().objects.create_user(username, f"{username}@example.org", cast.password)
    Membership.objects.create(user=user, role=role, land=cast.orgs[land])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_coordinator_b(cast) -> Client:
    return _member(cast, "coordinator_b", Role.COORDINATOR, "DE-HH")


@pytest.fixture
def client_viewer_a(cast) -> Client:
    return _member(cast, "viewer_a", Role.VIEWER, "DE-BE")


def text(response) -> str:  # type: ignore[no-untyped-def]
    """The page as plain text, tags removed and white space collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def release_on_page(client: Client, note: str = "") -> object:
    return client.post(
        RELEASE, {"action": "release", "release-confirm": "on", "release-note": note}
    )


def withdraw_on_page(client: Client, note: str = "") -> object:
    return client.post(RELEASE, {"action": "withdraw", "withdraw-note": note})


def records(survey: Survey) -> list[tuple[str, str, str]]:
    """(action, channel, username) of the survey's history, newest first."""
    return list(survey.releases.values_list("action", "channel", "username"))


# ---------------------------------------------------------------------------------------------
# Who may open the release page


def test_the_coordinator_of_the_land_sees_the_figures_the_protection_and_the_release_button(
    survey, client_coordinator_a
):
    response = client_coordinator_a.get(RELEASE)
    assert response.status_code == 200
    page = text(response)
    assert "Nicht freigegeben." in page
    assert "Nur Mitglieder von Land A und die Bundesebene sehen die Befragung." in page
    # the diagnostics summary: respondents, response rate, weighting, declaration rate
    assert "Befragte 46" in page
    assert "Rücklaufquote unbekannt (keine Beschäftigtenzahl angegeben)" in page
    assert "Nicht gewichtet" in page
    declared = survey.diagnostics["declared"]["mighev_short"]
    assert declared == 44
    assert f"{declared} {100 * 44 / 46:.1f}".replace(".", ",") in page
    # the disclosure summary with what each number means
    summary = survey.diagnostics["disclosure"]
    assert f"Tabellen {summary['tables']} aus dieser Befragung veröffentlichte Tabellen" in page
    assert f"Primär gesperrte Zellen {summary['primary']} nach den Regeln geheim gehalten" in page
    assert f"Sekundär gesperrte Zellen {summary['secondary']} zusätzlich geheim gehalten" in page
    assert f"Unzureichend geschützte Zellen {summary['under_protected']} geheime Zellen" in page
    assert "Engstes Intervall" in page and "verlangt sind mindestens 3" in page
    assert "Prüfung bestanden" in page
    # what happens, and the button
    assert "Was geschieht: Die geschützten Tabellen der Befragung werden sofort öffentlich" in page
    html = response.content.decode()
    assert '<button type="submit">Freigeben</button>' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Diese Befragung wurde noch nie freigegeben oder zurückgezogen." in page


def test_the_federal_coordinator_and_the_administrator_may_release_in_every_land(
    survey, client_federal, client_staff_admin
):
    assert client_federal.get(RELEASE).status_code == 200
    assert client_staff_admin.get(RELEASE).status_code == 200
    assert release_on_page(client_federal).status_code == 302
    assert records(survey) == [("release", "page", "federal_coordinator")]


def test_a_coordinator_of_another_land_gets_404_whether_the_survey_exists_or_is_released(
    survey, client_coordinator_b
):
    assert client_coordinator_b.get(RELEASE).status_code == 404
    assert client_coordinator_b.get("/befragungen/gibt-es-nicht/freigabe/").status_code == 404
    assert release_on_page(client_coordinator_b).status_code == 404
    set_release(survey, True, channel=Channel.COMMAND, username="op")
    # Released, the survey is public, but releasing it stays with its own Land.
    assert client_coordinator_b.get(OVERVIEW).status_code == 200
    assert client_coordinator_b.get(RELEASE).status_code == 404
    assert withdraw_on_page(client_coordinator_b).status_code == 404
    survey.refresh_from_db()
    assert survey.published is True and len(records(survey)) == 1


def test_a_coordinator_limited_to_one_agency_cannot_release_a_land_wide_survey(survey, cast):
    user = get_user_model().objects.create_user("coordinator_agency_a")
    Membership.objects.create(
        user=user, role=Role.COORDINATOR, land=cast.orgs["DE-BE"], agency=cast.orgs["A-AGY"]
    )
    client = Client()
    client.force_login(user)
    # reading: the agency's own page (docs/roles.md: agency-limited members see their agency)
    assert client.get(OVERVIEW).status_code == 302
    assert client.get(RELEASE).status_code == 404
    assert release_on_page(client).status_code == 404
    survey.refresh_from_db()
    assert survey.published is False


def test_viewers_editors_and_data_stewards_of_the_land_are_refused_and_change_nothing(
    survey, client_viewer_a, client_editor_a, client_data_steward_a, client_viewer_b
):
    for client in (client_viewer_a, client_editor_a, client_data_steward_a, client_viewer_b):
        assert client.get(RELEASE).status_code == 403
        assert release_on_page(client).status_code == 403
    survey.refresh_from_db()
    assert survey.published is False and records(survey) == []


def test_anonymous_visitors_are_sent_to_the_login_page(survey, client_anonymous):
    for response in (client_anonymous.get(RELEASE), release_on_page(client_anonymous)):
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")
    survey.refresh_from_db()
    assert survey.published is False


def test_the_overview_and_the_diagnostics_link_to_the_release_page_for_coordinators_only(
    survey, client_coordinator_a, client_data_steward_a, client_anonymous
):
    link = f'href="{RELEASE}"'
    for url in (OVERVIEW, DIAGNOSTICS):
        html = client_coordinator_a.get(url).content.decode()
        assert link in html, url
        assert "noch nicht freigegeben" in html
        assert link not in client_data_steward_a.get(url).content.decode(), url
    set_release(survey, True, channel=Channel.COMMAND, username="op")
    assert link not in client_anonymous.get(OVERVIEW).content.decode()
    assert (
        "(Landeskoordination): freigegeben" in client_coordinator_a.get(OVERVIEW).content.decode()
    )


def test_the_release_form_is_protected_against_cross_site_requests(survey, coordinator_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator_a)
    assert release_on_page(client).status_code == 403
    survey.refresh_from_db()
    assert survey.published is False


# ---------------------------------------------------------------------------------------------
# Releasing and withdrawing on the page


def test_releasing_on_the_page_makes_the_survey_public_and_records_who_when_and_why(
    survey, client_coordinator_a, coordinator_a
):
    response = release_on_page(
        client_coordinator_a, note="Beschluss der Lenkungsgruppe vom 3. März"
    )
    assert response.status_code == 302 and response["Location"] == RELEASE
    survey.refresh_from_db()
    assert survey.published is True
    record = survey.releases.get()
    assert (record.action, record.channel, record.user, record.username, record.note) == (
        "release",
        "page",
        coordinator_a,
        "coordinator_a",
        "Beschluss der Lenkungsgruppe vom 3. März",
    )
    page = text(client_coordinator_a.get(RELEASE))
    assert "Die Befragung „Befragung Land A 2024“ ist freigegeben." in page
    assert "Freigegeben. Alle sehen die geschützten Tabellen der Befragung" in page
    assert "Freigegeben von coordinator_a am" in page and "(über: Freigabeseite)" in page
    assert (
        "freigegeben coordinator_a Freigabeseite Beschluss der Lenkungsgruppe vom 3. März" in page
    )
    assert "Freigabe zurückziehen" in page


def test_release_without_ticking_the_confirmation_changes_nothing_and_says_why(
    survey, client_coordinator_a
):
    response = client_coordinator_a.post(RELEASE, {"action": "release", "release-note": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="#id_release-confirm"' in html
    assert (
        "Bitte bestätigen Sie mit dem Häkchen, dass die Befragung öffentlich werden darf." in html
    )
    assert "<title>Fehler:" in html
    survey.refresh_from_db()
    assert survey.published is False and records(survey) == []


def test_an_unknown_action_changes_nothing(survey, client_coordinator_a):
    response = client_coordinator_a.post(RELEASE, {"action": "publish-everything"})
    assert response.status_code == 200
    assert "Wählen Sie „Freigeben“ oder „Freigabe zurückziehen“." in text(response)
    survey.refresh_from_db()
    assert survey.published is False and records(survey) == []


def test_withdrawing_on_the_page_hides_the_survey_again_and_records_it(
    survey, client_coordinator_a
):
    assert release_on_page(client_coordinator_a).status_code == 302
    response = withdraw_on_page(client_coordinator_a, note="Fehler in der Gewichtung")
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.published is False
    assert records(survey) == [
        ("withdraw", "page", "coordinator_a"),
        ("release", "page", "coordinator_a"),
    ]
    page = text(client_coordinator_a.get(RELEASE))
    assert "Die Freigabe der Befragung „Befragung Land A 2024“ ist zurückgezogen." in page
    assert "Freigabe zurückgezogen von coordinator_a am" in page
    assert "Fehler in der Gewichtung" in page
    assert (
        '<button type="submit">Freigeben</button>'
        in client_coordinator_a.get(RELEASE).content.decode()
    )


def test_a_second_release_of_a_released_survey_writes_nothing_and_says_so(
    survey, client_coordinator_a
):
    release_on_page(client_coordinator_a)
    response = release_on_page(client_coordinator_a)  # e.g. a second tab, or pressed twice
    assert response.status_code == 302
    assert len(records(survey)) == 1
    page = text(client_coordinator_a.get(RELEASE))
    assert "war bereits freigegeben; es wurde nichts geändert." in page


def test_a_survey_released_before_the_history_was_kept_says_so_instead_of_naming_anyone(
    survey, client_coordinator_a
):
    mark_published(Survey.objects.filter(pk=survey.pk), True)  # as the old demo loader did
    page = text(client_coordinator_a.get(RELEASE))
    assert "Freigegeben, bevor die Plattform Freigaben protokolliert hat" in page
    assert "Freigegeben von" not in page


# ---------------------------------------------------------------------------------------------
# Refused release


def _with_disclosure(survey: Survey, **changes: object) -> None:
    survey.diagnostics = {
        **survey.diagnostics,
        "disclosure": {**survey.diagnostics["disclosure"], **changes},
    }
    survey.save(update_fields=["diagnostics"])


def test_a_survey_with_under_protected_cells_is_refused_with_the_reason(
    survey, client_coordinator_a
):
    _with_disclosure(survey, under_protected=2)
    page = client_coordinator_a.get(RELEASE)
    reason = (
        "Die Prüfung der Geheimhaltung hat 2 geheime Zellen gefunden, die sich aus den "
        "veröffentlichten Zahlen zu genau zurückrechnen lassen."
    )
    assert "Diese Befragung kann nicht freigegeben werden:" in text(page)
    assert reason in text(page)
    assert "Prüfung nicht bestanden" in text(page)
    assert 'value="release"' not in page.content.decode()
    response = release_on_page(client_coordinator_a)  # a form from before, or a crafted one
    assert response.status_code == 409
    assert reason in text(response)
    survey.refresh_from_db()
    assert survey.published is False and records(survey) == []


def test_a_survey_protected_with_other_rules_must_be_protected_again_first(
    survey, client_coordinator_a
):
    _with_disclosure(survey, rules={**survey.diagnostics["disclosure"]["rules"], "min_count": 2})
    page = text(client_coordinator_a.get(RELEASE))
    assert "Ihre Tabellen wurden mit anderen Geheimhaltungsregeln" in page
    assert "ikoe publish --survey land-a-2024" in page
    with pytest.raises(ReleaseRefused) as refused:
        set_release(survey, True, channel=Channel.COMMAND, username="op")
    assert len(refused.value.reasons) == 1
    survey.refresh_from_db()
    assert survey.published is False and records(survey) == []


def test_withdrawing_stays_possible_when_a_release_would_be_refused(survey, client_coordinator_a):
    set_release(survey, True, channel=Channel.COMMAND, username="op")
    _with_disclosure(survey, under_protected=1)
    assert withdraw_on_page(client_coordinator_a).status_code == 302
    survey.refresh_from_db()
    assert survey.published is False


def test_flag_and_history_change_together_or_not_at_all(survey, monkeypatch):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database gone")

    monkeypatch.setattr(SurveyRelease.objects, "create", broken)
    with pytest.raises(RuntimeError):
        set_release(survey, True, channel=Channel.COMMAND, username="op")
    assert Survey.objects.get(pk=survey.pk).published is False


# ---------------------------------------------------------------------------------------------
# What the public sees


def test_the_public_sees_a_survey_only_while_it_is_released_and_its_land_always(
    survey,
    client_coordinator_a,
    client_data_steward_a,
    client_viewer_a,
    client_viewer_b,
    client_anonymous,
):
    def public_statuses() -> list[int]:
        return [client_anonymous.get(url).status_code for url in PUBLIC_URLS] + [
            client_viewer_b.get(url).status_code for url in PUBLIC_URLS
        ]

    def listed(client: Client) -> bool:
        return NAME in [s["name"] for s in client.get("/api/v1/surveys").json()]

    assert public_statuses() == [404] * 6
    assert not listed(client_anonymous)
    assert NAME not in client_anonymous.get("/befragungen/").content.decode()

    release_on_page(client_coordinator_a)
    assert public_statuses() == [200] * 6
    assert listed(client_anonymous) and listed(client_viewer_b)
    assert NAME in client_anonymous.get("/befragungen/").content.decode()

    withdraw_on_page(client_coordinator_a)
    assert public_statuses() == [404] * 6
    assert not listed(client_anonymous) and not listed(client_viewer_b)
    for member in (client_coordinator_a, client_data_steward_a, client_viewer_a):
        assert [member.get(url).status_code for url in PUBLIC_URLS] == [200, 200, 200]
        assert listed(member)


def test_who_released_a_survey_is_never_public(survey, coordinator_a, viewer_b):
    set_release(survey, True, channel=Channel.PAGE, user=coordinator_a)
    history = SurveyRelease.objects.all()
    assert list(visible(history, AnonymousUser())) == []
    assert list(visible(history, viewer_b)) == []
    assert [r.username for r in visible(history, coordinator_a)] == ["coordinator_a"]


# ---------------------------------------------------------------------------------------------
# A new import, the demo


def test_a_new_import_under_the_same_name_starts_unreleased_and_the_history_says_why(
    survey, tmp_path, coordinator_a, data_steward_a, client_coordinator_a, client_anonymous
):
    set_release(survey, True, channel=Channel.PAGE, user=coordinator_a)
    again = import_land_a(tmp_path, user=data_steward_a)
    assert again.pk != survey.pk
    assert again.published is False
    assert client_anonymous.get(OVERVIEW).status_code == 404
    assert records(again) == [
        ("withdraw", "import", "data_steward_a"),
        ("release", "page", "coordinator_a"),
    ]
    page = text(client_coordinator_a.get(RELEASE))
    assert "Die Befragung war freigegeben, bis data_steward_a sie am" in page
    assert "Freigabe durch einen neuen Import beendet" in page


def test_an_upload_that_replaces_a_released_survey_says_that_it_is_not_public_any_more(
    cast, tmp_path, client_data_steward_a, coordinator_a, client_anonymous
):
    from tests.test_survey_upload import CHOICES, HEADER, mapping_post, mapping_url, upload
    from tests.test_survey_upload import respondent as upload_respondent
    from tests.test_survey_upload import write_csv as write_upload_csv

    path = write_upload_csv(
        tmp_path / "befragung.csv", [HEADER] + [upload_respondent(i) for i in range(1, 61)]
    )
    first = mapping_url(upload(client_data_steward_a, path))
    html = client_data_steward_a.get(first).content.decode()
    client_data_steward_a.post(first, {**mapping_post(html, CHOICES), "import": ""})
    set_release(Survey.objects.get(name="be-2024"), True, channel=Channel.PAGE, user=coordinator_a)
    assert client_anonymous.get("/befragungen/be-2024/").status_code == 200

    again = mapping_url(upload(client_data_steward_a, path, replace="on"))
    html = client_data_steward_a.get(again).content.decode()
    response = client_data_steward_a.post(
        again, {**mapping_post(html, CHOICES), "import": ""}, follow=True
    )
    assert (
        "Sie ersetzt eine freigegebene Befragung gleichen Namens. Die neuen Zahlen sind erst "
        "öffentlich, wenn die Landeskoordination sie freigibt." in text(response)
    )
    assert client_anonymous.get("/befragungen/be-2024/").status_code == 404
    assert records(Survey.objects.get(name="be-2024"))[0] == (
        "withdraw",
        "import",
        "data_steward_a",
    )


def test_an_unreleased_survey_imported_again_gets_no_withdrawal_record(survey, tmp_path):
    again = import_land_a(tmp_path)
    assert again.published is False and records(again) == []


def test_the_import_command_says_that_it_ended_a_release(survey, tmp_path, capsys, coordinator_a):
    set_release(survey, True, channel=Channel.PAGE, user=coordinator_a)
    path = write_csv(tmp_path / "neu.csv", people("A-AGY", 12, 24, 2) + people("A-AGY2", 3, 5))
    code, out, _err = run_cli(
        ["import-survey", str(path), "--name", NAME, "--year", "2024"], capsys
    )
    assert code == 0
    assert (
        "Sie ersetzt eine freigegebene Befragung gleichen Namens; die neuen Zahlen sind erst nach "
        "einer neuen Freigabe öffentlich (ikoe release --survey land-a-2024)." in out
    )
    survey = Survey.objects.get(name=NAME)
    assert survey.published is False
    assert records(survey)[0] == ("withdraw", "import", getpass.getuser())


def test_a_survey_of_another_land_under_the_same_name_does_not_inherit_the_history(
    survey, tmp_path, coordinator_a
):
    set_release(survey, True, channel=Channel.PAGE, user=coordinator_a)
    path = write_csv(tmp_path / "b.csv", people("B-AGY", 12, 24) + people("B-UNIT", 3, 5))
    other = import_survey(path, name=NAME, year=2024)
    assert other.land.code == "DE-HH" and other.published is False
    assert records(other) == []
    kept = SurveyRelease.objects.filter(survey__isnull=True, survey_name=NAME)
    assert sorted(kept.values_list("action", flat=True)) == ["release", "withdraw"]


def test_the_demo_is_released_through_the_release_step_and_its_history_shows_it(
    cast, client_staff_admin
):
    demo = load_demo()
    assert demo is not None and demo.published is True
    assert records(demo) == [("release", "import", getpass.getuser())]
    page = text(client_staff_admin.get(f"/befragungen/{DEMO_SURVEY}/freigabe/"))
    assert "beim Laden der Demodaten freigegeben" in page


# ---------------------------------------------------------------------------------------------
# ikoe release


def test_the_command_releases_and_withdraws_and_records_the_operating_system_account(
    survey, capsys
):
    code, out, err = run_cli(["release", "--survey", NAME], capsys)
    assert (code, err) == (0, "")
    operator = getpass.getuser()
    assert out == (
        "„land-a-2024“ (Land A) freigegeben: Die geschützten Tabellen sind jetzt öffentlich, "
        f"auf den Seiten und über die API. Vermerkt als: {operator}.\n"
    )
    code, out, err = run_cli(
        ["release", "--survey", NAME, "--withdraw", "--note", "Korrektur"], capsys
    )
    assert (code, err) == (0, "")
    assert out == (
        "Freigabe von „land-a-2024“ zurückgezogen: Nur noch Land A und die Bundesebene sehen "
        f"die Befragung. Vermerkt als: {operator}.\n"
    )
    survey.refresh_from_db()
    assert survey.published is False
    assert list(survey.releases.values_list("action", "channel", "user", "username", "note")) == [
        ("withdraw", "command", None, operator, "Korrektur"),
        ("release", "command", None, operator, ""),
    ]


def test_the_command_records_a_named_coordinator(survey, capsys, coordinator_a):
    code, out, _err = run_cli(["release", "--survey", NAME, "--user", "coordinator_a"], capsys)
    assert code == 0 and out.endswith("Vermerkt als: coordinator_a.\n")
    record = survey.releases.get()
    assert (record.user, record.username, record.channel) == (
        coordinator_a,
        "coordinator_a",
        "command",
    )


@pytest.mark.parametrize(
    ("username", "message"),
    [
        (
            "data_steward_a",
            "Das Benutzerkonto „data_steward_a“ darf keine Befragungen von Land A freigeben: Das "
            "dürfen nur die Landeskoordination, die Bundeskoordination und die Administration.",
        ),
        ("niemand", "Es gibt kein aktives Benutzerkonto „niemand“."),
        ("inactive_coordinator", "Es gibt kein aktives Benutzerkonto „inactive_coordinator“."),
    ],
)
def test_the_command_refuses_an_account_that_may_not_release(
    survey, capsys, cast, username, message
):
    user = get_user_model().objects.create_user("inactive_coordinator", is_active=False)
    Membership.objects.create(user=user, role=Role.COORDINATOR, land=cast.orgs["DE-BE"])
    code, out, err = run_cli(["release", "--survey", NAME, "--user", username], capsys)
    assert (code, out, err) == (1, "", message + "\n")
    survey.refresh_from_db()
    assert survey.published is False and records(survey) == []


def test_the_command_sees_every_land_and_checks_the_named_account_against_the_surveys_land(
    survey, capsys, client_coordinator_b
):
    # An operator's tool: a survey of Land A is found, and a coordinator of Land B is told
    # that Land A is not theirs (no "no such survey" to hide it, as a page would).
    code, _out, err = run_cli(["release", "--survey", NAME, "--user", "coordinator_b"], capsys)
    assert code == 1
    assert err.startswith("Das Benutzerkonto „coordinator_b“ darf keine Befragungen von Land A")


def test_an_unknown_survey_is_named_with_the_surveys_there_are(survey, tmp_path, capsys):
    code, out, err = run_cli(["release", "--survey", "gibt-es-nicht"], capsys)
    assert (code, out) == (1, "")
    assert err == "Es gibt keine Befragung „gibt-es-nicht“. Vorhandene Befragungen: land-a-2024.\n"


def test_the_command_refuses_a_release_with_the_reason_in_one_line(survey, capsys):
    _with_disclosure(survey, under_protected=1)
    code, out, err = run_cli(["release", "--survey", NAME], capsys)
    assert (code, out) == (1, "")
    assert err == (
        "Die Befragung „land-a-2024“ kann nicht freigegeben werden: Die Prüfung der Geheimhaltung "
        "hat 1 geheime Zelle gefunden, die sich aus den veröffentlichten Zahlen zu genau "
        "zurückrechnen lässt.\n"
    )
    survey.refresh_from_db()
    assert survey.published is False


def test_the_command_changes_nothing_when_the_survey_is_in_that_state_already(survey, capsys):
    code, out, _err = run_cli(["release", "--survey", NAME, "--withdraw"], capsys)
    assert (code, out) == (
        0,
        "Die Befragung „land-a-2024“ ist nicht freigegeben; es wurde nichts geändert.\n",
    )
    run_cli(["release", "--survey", NAME], capsys)
    code, out, _err = run_cli(["release", "--survey", NAME], capsys)
    assert (code, out) == (
        0,
        "Die Befragung „land-a-2024“ ist bereits freigegeben; es wurde nichts geändert.\n",
    )
    assert len(records(survey)) == 1


def test_the_command_speaks_english_when_asked(survey, capsys, settings):
    settings.LANGUAGE_CODE = "en"
    code, out, _err = run_cli(["release", "--survey", NAME, "--user", "coordinator_a"], capsys)
    assert code == 0
    assert out == (
        "Released “land-a-2024” (Land A): its protected tables are public now, on the pages and "
        "in the API. Recorded as: coordinator_a.\n"
    )


# ---------------------------------------------------------------------------------------------
# Administration


def test_surveys_are_read_only_in_the_administration_and_for_superusers_only(
    survey, client_staff_admin, cast
):
    listing = client_staff_admin.get("/admin/surveys/survey/?published__exact=0")
    assert listing.status_code == 200
    assert NAME in listing.content.decode()
    html = listing.content.decode()
    # filters: released, year, synthetic (the Land filter shows once there are two Länder)
    assert 'href="?published__exact=1"' in html
    assert 'href="?published__exact=0&amp;year=2024"' in html
    assert 'href="?published__exact=0&amp;synthetic__exact=1"' in html
    change = f"/admin/surveys/survey/{survey.pk}/change/"
    page = client_staff_admin.get(change).content.decode()
    assert 'name="_save"' not in page and RELEASE in page
    assert client_staff_admin.post(change, {"published": "on"}).status_code == 403
    assert client_staff_admin.get("/admin/surveys/survey/add/").status_code == 403
    assert client_staff_admin.get(f"/admin/surveys/survey/{survey.pk}/delete/").status_code == 403
    # Staff with model permissions are no superusers: surveys of every Land are not for them.
    staff = get_user_model().objects.create_user("staff", password=cast.password, is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__endswith="_survey"))
    client = Client()
    client.force_login(staff)
    refused = client.get("/admin/surveys/survey/")
    assert refused.status_code == 302 and refused["Location"].startswith("/admin/login/")
    survey.refresh_from_db()
    assert survey.published is False
