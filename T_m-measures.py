"""German for the new msgids of the measures pages (branch m-measures).

Keys are the msgids as makemessages writes them (template texts with a literal "%" as "%%").
Plural msgids are keyed by the singular msgid. The second dict holds msgids of
ikoe/measures/models.py (the foundation) that these pages show, in case they are not yet
translated when this branch is merged.
"""

T = {
    # ikoe/templates/base.html, assessment/plan.html, targets/target_detail.html
    "Measures": "Maßnahmen",
    "Create as a measure": "Als Maßnahme anlegen",
    "Add a measure of the promotion plan %(first)s–%(last)s": (
        "Maßnahme zum Förderplan %(first)s–%(last)s anlegen"
    ),
    # measure_forms.py
    "Part of": "Teil von",
    "A measure that has parts shows the mean progress of its parts instead of its own.": (
        "Eine Maßnahme mit Teilmaßnahmen zeigt statt ihres eigenen Fortschritts den "
        "Durchschnitt ihrer Teilmaßnahmen."
    ),
    "0 to 100; a measure with parts shows theirs.": (
        "0 bis 100; eine Maßnahme mit Teilmaßnahmen zeigt deren Fortschritt."
    ),
    "The dimension of the IKÖ-Check it belongs to.": (
        "Die Dimension des IKÖ-Checks, zu der sie gehört."
    ),
    "Enter a progress from 0 to 100 %.": "Geben Sie einen Fortschritt von 0 bis 100 % an.",
    "The end must not lie before the start.": "Das Ende darf nicht vor dem Beginn liegen.",
    "A measure can only be part of a measure of the same Land.": (
        "Eine Maßnahme kann nur Teil einer Maßnahme desselben Landes sein."
    ),
    "IKÖ-Check dimension": "Dimension des IKÖ-Checks",
    "type": "Art",
    "milestone": "Meilenstein",
    "due": "fällig am",
    "reached on": "erreicht am",
    # services.py
    "The progress runs from 0 to 100 %.": "Der Fortschritt reicht von 0 bis 100 %.",
    "A measure cannot be part of itself or of one of its parts.": (
        "Eine Maßnahme kann nicht Teil ihrer selbst oder einer ihrer Teilmaßnahmen sein."
    ),
    "Name the milestone.": "Geben Sie dem Meilenstein einen Namen.",
    # measure_views.py
    "Bars from the start to the end of each measure; the vertical line marks today "
    "(%(today)s). The same dates are in the table below.": (
        "Balken vom Beginn bis zum Ende jeder Maßnahme; die senkrechte Linie markiert heute "
        "(%(today)s). Dieselben Daten stehen in der Tabelle darunter."
    ),
    "today": "heute",
    "no dimension": "keine Dimension",
    "Timeline of the measures of %(where)s": "Zeitplan der Maßnahmen von %(where)s",
    "milestone “%(title)s”": "Meilenstein „%(title)s“",
    "measure": "Maßnahme",
    "Item %(item)s of the IKÖ-Check of %(date)s": "Frage %(item)s des IKÖ-Checks vom %(date)s",
    "the action plan of the IKÖ-Check": "der Maßnahmenplan des IKÖ-Checks",
    "The barrier analysis of %(data)s%(where)s": "Die Barrierenanalyse von %(data)s%(where)s",
    "selection data": "Auswahldaten",
    "the selection data": "die Auswahldaten",
    "A promotion plan": "Ein Förderplan",
    "The promotion plan %(first)s–%(last)s of %(name)s": (
        "Der Förderplan %(first)s–%(last)s von %(name)s"
    ),
    "the promotion plans of the organisation": "die Förderpläne der Organisation",
    "the gap at item %(item)s of the IKÖ-Check of %(name)s": (
        "die Lücke bei Frage %(item)s des IKÖ-Checks von %(name)s"
    ),
    "Lower the barrier at the stage “%(stage)s”": "Die Hürde in der Stufe „%(stage)s“ senken",
    "a finding of the barrier analysis of %(data)s": (
        "einen Befund der Barrierenanalyse von %(data)s"
    ),
    "the promotion plan %(first)s–%(last)s of %(name)s": (
        "den Förderplan %(first)s–%(last)s von %(name)s"
    ),
    "The measure “%(title)s” is saved.": "Die Maßnahme „%(title)s“ ist gespeichert.",
    "The measure “%(title)s” is deleted.": "Die Maßnahme „%(title)s“ ist gelöscht.",
    "The milestone “%(title)s” is marked as not reached.": (
        "Der Meilenstein „%(title)s“ ist als nicht erreicht markiert."
    ),
    "The milestone “%(title)s” is reached.": "Der Meilenstein „%(title)s“ ist erreicht.",
    "Enter the date in the form DD.MM.YYYY.": "Geben Sie das Datum in der Form TT.MM.JJJJ an.",
    "The milestone “%(title)s” is added.": "Der Meilenstein „%(title)s“ ist angelegt.",
    # measure_index.html
    "measures are visible only to the members of their Land and the federal level, not to the "
    "public.": (
        "Maßnahmen sehen nur die Mitglieder ihres Landes und die Bundesebene, nicht die "
        "Öffentlichkeit."
    ),
    "The measures registry keeps what the Länder, their ministries and agencies do to open the "
    "administration: each measure with its owner, goal and indicator, start and end, status and "
    "progress, its milestones, and where it came from – a gap in the IKÖ-Check, a finding of the "
    "barrier analysis or a promotion plan. Measures can have parts; a measure with parts shows "
    "the mean progress of its parts. Every change is kept in the history of the measure.": (
        "Das Maßnahmenregister hält fest, was die Länder, ihre Ministerien und Behörden für die "
        "interkulturelle Öffnung der Verwaltung tun: jede Maßnahme mit Verantwortlichen, Ziel "
        "und Indikator, Beginn und Ende, Status und Fortschritt, ihren Meilensteinen und ihrer "
        "Herkunft – einer Lücke im IKÖ-Check, einem Befund der Barrierenanalyse oder einem "
        "Förderplan. Maßnahmen können Teilmaßnahmen haben; eine Maßnahme mit Teilmaßnahmen "
        "zeigt den Durchschnitt von deren Fortschritt. Jede Änderung bleibt in der Historie der "
        "Maßnahme erhalten."
    ),
    "Boards of measures": "Maßnahmenübersichten",
    "Measures of %(land)s": "Maßnahmen von %(land)s",
    "Your account has no membership in a Land yet; the coordination of your Land gives you one.": (
        "Ihr Konto hat noch keine Mitgliedschaft in einem Land; die Koordinierungsstelle Ihres "
        "Landes richtet sie ein."
    ),
    # measure_board.html, measure_table.html
    "Measures of %(where)s": "Maßnahmen von %(where)s",
    "add a measure": "eine Maßnahme anlegen",
    "Group by": "Gruppieren nach",
    "%(n)s measure matches the filters.": (
        "%(n)s Maßnahme entspricht den Filtern.",
        "%(n)s Maßnahmen entsprechen den Filtern.",
    ),
    "Show all measures": "Alle Maßnahmen zeigen",
    "No measure matches the filters.": "Keine Maßnahme entspricht den Filtern.",
    "No measure is registered here yet.": "Hier ist noch keine Maßnahme erfasst.",
    "Add a measure": "Maßnahme anlegen",
    "Measures by dimension and status": "Maßnahmen nach Dimension und Status",
    "Number of measures per IKÖ-Check dimension and status": (
        "Zahl der Maßnahmen je Dimension des IKÖ-Checks und Status"
    ),
    "Total": "Insgesamt",
    "Overdue": "Überfällig",
    "Milestones past their due date and not reached": (
        "Meilensteine, deren Termin verstrichen ist und die nicht erreicht sind"
    ),
    "Milestone": "Meilenstein",
    "Due": "Fällig am",
    "Days overdue": "Tage überfällig",
    "overdue:": "überfällig:",
    "Measures past their end that are neither completed nor cancelled:": (
        "Maßnahmen nach ihrem Ende, die weder abgeschlossen noch abgebrochen sind:"
    ),
    "end %(end)s": "Ende %(end)s",
    "No milestone and no measure is overdue.": "Kein Meilenstein und keine Maßnahme ist überfällig.",
    "Timeline": "Zeitplan",
    "Start to end of each measure with both dates; the line marks today (%(today)s). The same "
    "dates are in the table.": (
        "Beginn bis Ende jeder Maßnahme mit beiden Daten; die Linie markiert heute (%(today)s). "
        "Dieselben Daten stehen in der Tabelle."
    ),
    "Start and end of the measures": "Beginn und Ende der Maßnahmen",
    "End": "Ende",
    "Progress in %%": "Fortschritt in %%",
    "overdue": "überfällig",
    "No measure has both a start and an end yet, so there is no timeline.": (
        "Noch keine Maßnahme hat Beginn und Ende, daher gibt es keinen Zeitplan."
    ),
    "Measures by IKÖ-Check dimension": "Maßnahmen nach Dimension des IKÖ-Checks",
    "Measures by status": "Maßnahmen nach Status",
    "Measures: %(group)s": "Maßnahmen: %(group)s",
    "part of %(parent)s": "Teil von %(parent)s",
    "mean of its parts": "Durchschnitt der Teilmaßnahmen",
    # measure_detail.html
    "the end (%(end)s) has passed and the measure is neither completed nor cancelled.": (
        "das Ende (%(end)s) ist verstrichen und die Maßnahme ist weder abgeschlossen noch "
        "abgebrochen."
    ),
    "Internal – visible only to members of %(land)s and the federal level, not to the public.": (
        "Intern – sichtbar nur für Mitglieder von %(land)s und die Bundesebene, nicht für die "
        "Öffentlichkeit."
    ),
    "change the measure": "die Maßnahme ändern",
    "add a milestone": "einen Meilenstein anlegen",
    "add another measure": "eine weitere Maßnahme anlegen",
    "The measure": "Die Maßnahme",
    "Description": "Beschreibung",
    "Type": "Art",
    "Anchoring": "Verankerung",
    "Goal": "Ziel",
    "Indicator": "Indikator",
    "Target value": "Zielwert",
    "Owner": "Verantwortlich",
    "Budget": "Budget",
    "Funding source": "Finanzierungsquelle",
    "Where it came from": "Herkunft",
    "Parts of this measure": "Teilmaßnahmen",
    "The parts and their progress (rolled up from their own parts)": (
        "Die Teilmaßnahmen und ihr Fortschritt (aus ihren eigenen Teilmaßnahmen berechnet)"
    ),
    "%(n)s further part belongs to an organisation outside your access; its progress counts in "
    "the mean.": (
        "%(n)s weitere Teilmaßnahme gehört zu einer Organisation außerhalb Ihres Zugriffs; ihr "
        "Fortschritt zählt im Durchschnitt mit.",
        "%(n)s weitere Teilmaßnahmen gehören zu Organisationen außerhalb Ihres Zugriffs; ihr "
        "Fortschritt zählt im Durchschnitt mit.",
    ),
    "This measure has no parts.": "Diese Maßnahme hat keine Teilmaßnahmen.",
    "Milestones": "Meilensteine",
    "Milestones of the measure": "Meilensteine der Maßnahme",
    "Reached on": "Erreicht am",
    "Mark “%(title)s” as not reached": "„%(title)s“ als nicht erreicht markieren",
    "Mark “%(title)s” as reached today": "„%(title)s“ als heute erreicht markieren",
    "No milestone yet.": "Noch kein Meilenstein.",
    "Add a milestone": "Meilenstein anlegen",
    "Every change of the measure and its milestones, newest first": (
        "Jede Änderung der Maßnahme und ihrer Meilensteine, neueste zuerst"
    ),
    "Changes": "Änderungen",
    "No change is recorded.": "Keine Änderung ist erfasst.",
    "Delete this measure": "Diese Maßnahme löschen",
    "Back to the measures of %(land)s": "Zurück zu den Maßnahmen von %(land)s",
    # measure_form.html, measure_delete.html, measure_milestone.html
    "Change the measure": "Maßnahme ändern",
    "The measure answers %(origin)s; the link to it is kept.": (
        "Die Maßnahme antwortet auf %(origin)s; die Verknüpfung bleibt erhalten."
    ),
    "Measures are visible to the members of the organisation and of its Land and to the "
    "federal level, not to the public. Every change is kept in the history.": (
        "Maßnahmen sehen die Mitglieder der Organisation und ihres Landes sowie die Bundesebene, "
        "nicht die Öffentlichkeit. Jede Änderung bleibt in der Historie erhalten."
    ),
    "What and who": "Was und wer",
    "Time and state": "Zeit und Stand",
    "Money": "Geld",
    "Save the measure": "Maßnahme speichern",
    "Delete the measure": "Maßnahme löschen",
    "Delete the measure “%(title)s” of %(name)s?": "Die Maßnahme „%(title)s“ von %(name)s löschen?",
    "Its %(n)s milestone is deleted with it.": (
        "Ihr %(n)s Meilenstein wird mit gelöscht.",
        "Ihre %(n)s Meilensteine werden mit gelöscht.",
    ),
    "Its %(n)s part stays, as a measure of its own.": (
        "Ihre %(n)s Teilmaßnahme bleibt als eigene Maßnahme bestehen.",
        "Ihre %(n)s Teilmaßnahmen bleiben als eigene Maßnahmen bestehen.",
    ),
    "The history keeps that it was deleted, by whom and when.": (
        "Die Historie hält fest, dass sie gelöscht wurde, von wem und wann."
    ),
    "A milestone of the measure “%(title)s”. A milestone whose due date has passed without "
    "being reached is shown as overdue.": (
        "Ein Meilenstein der Maßnahme „%(title)s“. Ein Meilenstein, dessen Termin verstrichen ist, "
        "ohne dass er erreicht wurde, wird als überfällig gezeigt."
    ),
    "Milestones so far:": "Bisherige Meilensteine:",
    "reached on %(done)s": "erreicht am %(done)s",
    "Add the milestone": "Meilenstein anlegen",
    "Back to the measure": "Zurück zur Maßnahme",
}

# msgids of ikoe/measures/models.py that these pages show (form labels, choices, history).
MODELS = {
    "Measures, trainings, funding programmes and anchoring": (
        "Maßnahmen, Fortbildungen, Förderprogramme und Verankerung"
    ),
    "Strategy and legal anchoring": "Strategie und rechtliche Verankerung",
    "Organisation development": "Organisationsentwicklung",
    "Personnel development and diversity-oriented recruitment": (
        "Personalentwicklung und diversitätsorientierte Personalgewinnung"
    ),
    "Service quality and access": "Qualität und Zugang der Dienstleistungen",
    "Intercultural competence training by occupational group": (
        "Fortbildung interkultureller Kompetenz nach Berufsgruppen"
    ),
    "Intercultural opening in funding programmes": "Interkulturelle Öffnung in Förderprogrammen",
    "Cooperation with migrant organisations": "Zusammenarbeit mit Migrantenorganisationen",
    "organisation development": "Organisationsentwicklung",
    "personnel development": "Personalentwicklung",
    "quality development": "Qualitätsentwicklung",
    "recruitment": "Personalgewinnung",
    "recognition of foreign qualifications and adaptation qualification": (
        "Anerkennung ausländischer Abschlüsse und Anpassungsqualifizierung"
    ),
    "access to services": "Zugang zu Dienstleistungen",
    "cooperation with migrant organisations": "Zusammenarbeit mit Migrantenorganisationen",
    "legal": "rechtlich",
    "strategic": "strategisch",
    "organisational": "organisatorisch",
    "planned": "geplant",
    "in progress": "in Arbeit",
    "completed": "abgeschlossen",
    "on hold": "ruht",
    "cancelled": "abgebrochen",
    "entered by hand": "von Hand erfasst",
    "a gap in the IKÖ-Check": "eine Lücke im IKÖ-Check",
    "a finding of the barrier analysis": "ein Befund der Barrierenanalyse",
    "a promotion plan": "ein Förderplan",
    "title": "Titel",
    "description": "Beschreibung",
    "anchoring": "Verankerung",
    "goal": "Ziel",
    "indicator": "Indikator",
    "target value": "Zielwert",
    "owner (unit or person)": "Verantwortlich (Stelle oder Person)",
    "owner's e-mail": "E-Mail der verantwortlichen Stelle",
    "start": "Beginn",
    "end": "Ende",
    "status": "Status",
    "progress (%)": "Fortschritt (%)",
    "budget (euros)": "Budget (Euro)",
    "funding source": "Finanzierungsquelle",
    "part of": "Teil von",
    "origin": "Herkunft",
    "IKÖ-Check item": "Frage des IKÖ-Checks",
    "funnel": "Trichter",
    "stage": "Stufe",
    "promotion plan": "Förderplan",
    "created": "angelegt",
    "changed": "geändert",
    "deleted": "gelöscht",
    "measures": "Maßnahmen",
    "milestones": "Meilensteine",
    "last reminder": "letzte Erinnerung",
}
