# German translations of the new msgids of branch m-io (import/export, reminders, API).
T = {
    "a text": "ein Text",
    "a date as YYYY-MM-DD or DD.MM.YYYY": "ein Datum als JJJJ-MM-TT oder TT.MM.JJJJ",
    "a whole number from %(min)d": "eine ganze Zahl ab %(min)d",
    "an amount of at least 0 with at most %(places)d decimal places": (
        "ein Betrag von mindestens 0 mit höchstens %(places)d Nachkommastellen"
    ),
    "an e-mail address such as %(example)s": "eine E-Mail-Adresse wie %(example)s",
    "a web address such as %(example)s": "eine Webadresse wie %(example)s",
    "a text of at most %(max)d characters": "ein Text mit höchstens %(max)d Zeichen",
    "a whole number from %(min)d to %(max)d": "eine ganze Zahl von %(min)d bis %(max)d",
    "The cell is empty; expected %(expected)s.": "Die Zelle ist leer; erwartet: %(expected)s.",
    "The text has %(length)d characters; expected at most %(max)d.": (
        "Der Text hat %(length)d Zeichen; erwartet: höchstens %(max)d."
    ),
    "“%(value)s” is not allowed; expected %(expected)s.": (
        "„%(value)s“ ist nicht zulässig; erwartet: %(expected)s."
    ),
    "The column “%(column)s” is not known; expected the columns %(columns)s.": (
        "Die Spalte „%(column)s“ ist unbekannt; erwartet werden die Spalten %(columns)s."
    ),
    "“%(value)s” is not a date; expected YYYY-MM-DD or DD.MM.YYYY, e.g. 2026-03-31.": (
        "„%(value)s“ ist kein Datum; erwartet: JJJJ-MM-TT oder TT.MM.JJJJ, z. B. 2026-03-31."
    ),
    "one of %(codes)s (or its name)": "einer der Werte %(codes)s (oder seine Bezeichnung)",
    "A measure cannot be part of itself; expected the title of another measure.": (
        "Eine Maßnahme kann nicht Teil ihrer selbst sein; erwartet: der Titel einer anderen "
        "Maßnahme."
    ),
    "There is no organisation with the code “%(code)s” in the hierarchy; expected the code of "
    "an organisation, e.g. as in the list of organisations.": (
        "In der Hierarchie gibt es keine Organisation mit dem Kürzel „%(code)s“; erwartet: das "
        "Kürzel einer Organisation, z. B. wie in der Liste der Organisationen."
    ),
    "The organisation “%(code)s” is not an organisation of %(land)s; this import is limited "
    "to that Land.": (
        "Die Organisation „%(code)s“ gehört nicht zu %(land)s; dieser Import ist auf dieses "
        "Land beschränkt."
    ),
    "The organisation %(code)s has a row with %(key)s already in row %(row)d; expected each "
    "once.": (
        "Die Organisation %(code)s hat eine Zeile mit %(key)s bereits in Zeile %(row)d; "
        "erwartet wird jede nur einmal."
    ),
    "The organisation %(code)s has %(count)d stored rows with %(key)s; the row to update is "
    "not clear. Give them different titles on their pages first.": (
        "Die Organisation %(code)s hat %(count)d gespeicherte Zeilen mit %(key)s; welche "
        "aktualisiert werden soll, ist nicht eindeutig. Geben Sie ihnen zuerst auf ihren Seiten "
        "verschiedene Titel."
    ),
    "The measure ends (%(end)s) before it starts (%(start)s); expected an end on or after the "
    "start.": (
        "Die Maßnahme endet (%(end)s), bevor sie beginnt (%(start)s); erwartet: ein Ende am "
        "oder nach dem Beginn."
    ),
    "%(trained)d trained but %(staff)d staff; expected at most as many trained as staff.": (
        "%(trained)d geschult, aber %(staff)d Beschäftigte; erwartet: höchstens so viele "
        "Geschulte wie Beschäftigte."
    ),
    "The measure “%(title)s” would be part of itself through its parent “%(parent)s”; "
    "expected a parent that is not below it.": (
        "Die Maßnahme „%(title)s“ wäre über die übergeordnete Maßnahme „%(parent)s“ Teil ihrer "
        "selbst; erwartet: eine übergeordnete Maßnahme, die nicht unter ihr steht."
    ),
    "The organisation %(code)s has no single training offer titled “%(title)s”; expected the "
    "title of one of its training offers, or nothing.": (
        "Die Organisation %(code)s hat nicht genau ein Fortbildungsangebot mit dem Titel "
        "„%(title)s“; erwartet: der Titel eines ihrer Fortbildungsangebote oder nichts."
    ),
    "You may not change the rows of the organisation “%(code)s”; expected an organisation you "
    "edit.": (
        "Sie dürfen die Zeilen der Organisation „%(code)s“ nicht ändern; erwartet: eine "
        "Organisation, die Sie bearbeiten."
    ),
    "The organisation %(code)s has several measures titled “%(title)s”; the parent is not "
    "clear.": (
        "Die Organisation %(code)s hat mehrere Maßnahmen mit dem Titel „%(title)s“; die "
        "übergeordnete Maßnahme ist nicht eindeutig."
    ),
    "There is no measure “%(title)s” of the organisation %(code)s, in the file or stored; "
    "expected the title of another measure of the same organisation.": (
        "Es gibt keine Maßnahme „%(title)s“ der Organisation %(code)s, weder in der Datei noch "
        "gespeichert; erwartet: der Titel einer anderen Maßnahme derselben Organisation."
    ),
    "CSV or XLSX file, one row per measure (or training participation, or funding programme) "
    "with the columns of docs/measures.md": (
        "CSV- oder XLSX-Datei, eine Zeile je Maßnahme (oder Fortbildungsteilnahme oder "
        "Förderprogramm) mit den Spalten aus docs/measures.md"
    ),
    "what the file holds: measures (default), trainings (training participation per "
    "organisation, year and occupational group) or funding (funding programmes)": (
        "was die Datei enthält: measures (Maßnahmen, Standard), trainings (Fortbildungsteilnahme "
        "je Organisation, Jahr und Berufsgruppe) oder funding (Förderprogramme)"
    ),
    "limit the import to the organisations of this Land, e.g. DE-BE": (
        "den Import auf die Organisationen dieses Landes beschränken, z. B. DE-BE"
    ),
    "Imported %(file)s: %(created)d created, %(changed)d changed, %(unchanged)d unchanged.": (
        "%(file)s importiert: %(created)d angelegt, %(changed)d geändert, %(unchanged)d "
        "unverändert."
    ),
    "csv (UTF-8, “;”, decimal comma) or xlsx (Excel)": (
        "csv (UTF-8, „;“, Dezimalkomma) oder xlsx (Excel)"
    ),
    "what to export: measures (default), trainings or funding": (
        "was exportiert wird: measures (Maßnahmen, Standard), trainings (Fortbildungen) oder "
        "funding (Förderprogramme)"
    ),
    "write to this file (default: the standard output)": (
        "in diese Datei schreiben (Standard: die Standardausgabe)"
    ),
    "An Excel file is not printed to a terminal; name a file with --out.": (
        "Eine Excel-Datei wird nicht im Terminal ausgegeben; nennen Sie eine Datei mit --out."
    ),
    "Wrote %(count)d row to %(file)s.": (
        "%(count)d Zeile in %(file)s geschrieben.",
        "%(count)d Zeilen in %(file)s geschrieben.",
    ),
    "The file %(file)s cannot be written: %(reason)s": (
        "Die Datei %(file)s kann nicht geschrieben werden: %(reason)s"
    ),
    "due on %(date)s, in %(count)d day": (
        "fällig am %(date)s, in %(count)d Tag",
        "fällig am %(date)s, in %(count)d Tagen",
    ),
    "IKÖ-Monitor: %(count)d milestone of your measures is due": (
        "IKÖ-Monitor: %(count)d Meilenstein Ihrer Maßnahmen ist fällig",
        "IKÖ-Monitor: %(count)d Meilensteine Ihrer Maßnahmen sind fällig",
    ),
    "Hello,": "Guten Tag,",
    "the following milestones of measures you are named as responsible for are due soon or "
    "overdue:": (
        "die folgenden Meilensteine von Maßnahmen, für die Sie als verantwortlich genannt sind, "
        "sind bald fällig oder überfällig:"
    ),
    "Please record on the measure's page when a milestone is reached; then no further reminder "
    "is sent.": (
        "Bitte tragen Sie auf der Seite der Maßnahme ein, wann ein Meilenstein erreicht ist; "
        "dann folgt keine weitere Erinnerung."
    ),
    "This e-mail was sent automatically by the IKÖ-Monitor.": (
        "Diese E-Mail wurde automatisch vom IKÖ-Monitor versandt."
    ),
    "remind of milestones due within N days (default 7); overdue ones always": (
        "an Meilensteine erinnern, die innerhalb von N Tagen fällig sind (Standard 7); an "
        "überfällige immer"
    ),
    "print who would get which reminder, send nothing and mark nothing": (
        "ausgeben, wer welche Erinnerung bekäme; nichts senden und nichts vermerken"
    ),
    "due on %(date)s, %(count)d day overdue": (
        "fällig am %(date)s, seit %(count)d Tag überfällig",
        "fällig am %(date)s, seit %(count)d Tagen überfällig",
    ),
    "due today (%(date)s)": "heute fällig (%(date)s)",
    "Dry run: nothing was sent.": "Probelauf: Es wurde nichts gesendet.",
    "Sent %(count)d e-mail about %(milestones)d milestones.": (
        "%(count)d E-Mail zu %(milestones)d Meilensteinen gesendet.",
        "%(count)d E-Mails zu %(milestones)d Meilensteinen gesendet.",
    ),
    "“%(value)s” is not allowed; expected a whole number from 0 to %(max)d.": (
        "„%(value)s“ ist nicht zulässig; erwartet: eine ganze Zahl von 0 bis %(max)d."
    ),
    "- %(measure)s (%(organisation)s): %(milestone)s, %(when)s": (
        "- %(measure)s (%(organisation)s): %(milestone)s, %(when)s"
    ),
    "No milestone is due within %(days)d days or overdue that was not reminded of today; no "
    "e-mail sent.": (
        "Kein Meilenstein ist innerhalb von %(days)d Tagen fällig oder überfällig, an den heute "
        "nicht schon erinnert wurde; keine E-Mail gesendet."
    ),
    "Not sent (tried again on the next run): %(error)s": (
        "Nicht gesendet (wird beim nächsten Lauf erneut versucht): %(error)s"
    ),
    "Would remind %(to)s of %(count)d milestone.": (
        "Würde %(to)s an %(count)d Meilenstein erinnern.",
        "Würde %(to)s an %(count)d Meilensteine erinnern.",
    ),
    "Import measures, training participation or funding programmes from a CSV or XLSX file: "
    "the row with the same organisation and title (training participation: organisation, year "
    "and group) is updated, others are created.": (
        "Maßnahmen, Fortbildungsteilnahme oder Förderprogramme aus einer CSV- oder XLSX-Datei "
        "importieren: Die Zeile mit derselben Organisation und demselben Titel "
        "(Fortbildungsteilnahme: Organisation, Jahr und Berufsgruppe) wird aktualisiert, andere "
        "werden angelegt."
    ),
    "Export the measures, training participation or funding programmes of a Land as CSV or "
    "XLSX, in the columns the import reads.": (
        "Die Maßnahmen, die Fortbildungsteilnahme oder die Förderprogramme eines Landes als CSV "
        "oder XLSX exportieren, in den Spalten, die der Import liest."
    ),
    "E-mail the owners of measures whose milestones are due within N days or overdue (at most "
    "once a day per milestone).": (
        "Die Verantwortlichen von Maßnahmen per E-Mail an Meilensteine erinnern, die innerhalb "
        "von N Tagen fällig oder überfällig sind (höchstens einmal täglich je Meilenstein)."
    ),
    "The measures of the organisations you may see, with their type, IKÖ-Check dimension, "
    "goal, responsible unit, dates, status, budget and progress: their own and the progress "
    "rolled up from their parts (the mean of the parts). Only members of a Land and the "
    "federal level see them; a member limited to an agency sees that agency's and those of "
    "the units below it. You can choose by Land (land), organisation code (organisation), "
    "status (e.g. in_progress) and dimension (e.g. strategy).": (
        "Die Maßnahmen der Organisationen, die Sie sehen dürfen, mit Art, Dimension des "
        "IKÖ-Checks, Ziel, verantwortlicher Stelle, Daten, Stand, Budget und Fortschritt: dem "
        "eigenen und dem aus ihren Teilmaßnahmen zusammengefassten (dem Mittel der "
        "Teilmaßnahmen). Nur Mitglieder eines Landes und die Bundesebene sehen sie; wer auf eine "
        "Behörde beschränkt ist, sieht die dieser Behörde und der Einheiten darunter. Sie können "
        "nach Land (land), Kürzel der Organisation (organisation), Stand (status, z. B. "
        "in_progress) und Dimension (dimension, z. B. strategy) auswählen."
    ),
    "One measure, with the same fields, its parts and its milestones (due and reached).": (
        "Eine Maßnahme mit denselben Feldern, ihren Teilmaßnahmen und ihren Meilensteinen "
        "(fällig und erreicht)."
    ),
    "Participation in training per organisation, year and occupational group: staff, planned "
    "and trained, and the coverage (trained per staff). You can choose by Land (land), "
    "organisation code (organisation), year and group (e.g. leadership).": (
        "Fortbildungsteilnahme je Organisation, Jahr und Berufsgruppe: Beschäftigte, geplant und "
        "geschult sowie die Abdeckung (Geschulte je Beschäftigte). Sie können nach Land (land), "
        "Kürzel der Organisation (organisation), Jahr (year) und Berufsgruppe (group, z. B. "
        "leadership) auswählen."
    ),
    "Funding programmes with their latest check against the criteria of the intercultural "
    "opening: the score and the criteria not or only partly met. You can choose by Land "
    "(land) and organisation code (organisation).": (
        "Förderprogramme mit ihrer letzten Prüfung anhand der Kriterien der interkulturellen "
        "Öffnung: die Punktzahl und die nicht oder nur teilweise erfüllten Kriterien. Sie können "
        "nach Land (land) und Kürzel der Organisation (organisation) auswählen."
    ),
}
