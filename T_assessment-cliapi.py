"""German translations of the msgids new on branch assessment-cliapi (IKÖ-Check CLI and API)."""

T = {
    # ikoe/ingest/assessments.py
    "The organisation is missing; expected the code of an organisation.": "Die Organisation fehlt; erwartet wird der Code einer Organisation.",
    "The item is missing; expected the id of an item of the questionnaire.": "Die Frage fehlt; erwartet wird die Kennung einer Frage des Fragebogens.",
    "The level is missing; expected 0, 1, 2, 3, 4 or n/a (not applicable).": "Die Stufe fehlt; erwartet wird 0, 1, 2, 3, 4 oder n. z. (nicht zutreffend).",
    "The column “%(column)s” appears twice.": "Die Spalte „%(column)s“ kommt zweimal vor.",
    "The web address has %(length)d characters; at most %(max)d are kept.": "Die Webadresse hat %(length)d Zeichen; gespeichert werden höchstens %(max)d.",
    "The evidence has %(length)d characters; at most %(max)d are kept.": "Der Nachweis hat %(length)d Zeichen; gespeichert werden höchstens %(max)d.",
    "The questionnaire version %(version)s has no item “%(value)s”; expected an item id such as %(example)s.": "Die Fragebogenversion %(version)s hat keine Frage „%(value)s“; erwartet wird eine Kennung wie %(example)s.",
    "The organisation %(code)s answers the item %(item)s a second time (first in row %(row)d); expected each item once per organisation.": "Die Organisation %(code)s beantwortet die Frage %(item)s ein zweites Mal (zuerst in Zeile %(row)d); erwartet wird jede Frage einmal je Organisation.",
    "The organisation %(code)s does not answer the core items %(items)s; every core item needs a level or n/a.": "Die Organisation %(code)s beantwortet die Kernfragen %(items)s nicht; jede Kernfrage braucht eine Stufe oder n. z.",
    "“%(value)s” is not a level; expected 0, 1, 2, 3, 4 or n/a (not applicable).": "„%(value)s“ ist keine Stufe; erwartet wird 0, 1, 2, 3, 4 oder n. z. (nicht zutreffend).",
    "“%(value)s” is not a valid web address; expected one such as %(example)s.": "„%(value)s“ ist keine gültige Webadresse; erwartet wird eine wie %(example)s.",
    "The organisation %(code)s answers items of the sector module “%(module)s” but not %(items)s; a module is answered completely or not at all.": "Die Organisation %(code)s beantwortet Fragen des Sektormoduls „%(module)s“, aber nicht %(items)s; ein Modul wird ganz oder gar nicht beantwortet.",
    # ikoe/assessment/imports.py
    "There is no questionnaire version “%(value)s”; available: %(versions)s.": "Es gibt keine Fragebogenversion „%(value)s“; vorhanden: %(versions)s.",
    "The date %(date)s lies in the future; expected the day the assessments were done.": "Das Datum %(date)s liegt in der Zukunft; erwartet wird der Tag, an dem die Selbstbewertungen gemacht wurden.",
    "There is no organisation with the code “%(code)s” in the hierarchy.": "In der Organisationshierarchie gibt es keine Organisation mit dem Code „%(code)s“.",
    "%(code)s (%(name)s) is a %(kind)s, which does not take the IKÖ-Check; expected one of: %(kinds)s.": "%(code)s (%(name)s) hat die Art „%(kind)s“ und nimmt nicht am IKÖ-Check teil; erwartet wird eine dieser Arten: %(kinds)s.",
    # ikoe/commands/import_assessments.py
    "CSV, XLSX or Parquet file with the columns organisation (code), item (item id), level (0 to 4 or n/a) and optionally evidence (a text or a web address)": "CSV-, XLSX- oder Parquet-Datei mit den Spalten organisation (Code), item (Kennung der Frage), level (0 bis 4 oder n. z.) und wahlweise evidence (ein Text oder eine Webadresse)",
    "the questionnaire version the assessments were made with, e.g. 2026.1": "die Fragebogenversion, mit der die Selbstbewertungen gemacht wurden, z. B. 2026.1",
    "the day the assessments were done (default: today)": "der Tag, an dem die Selbstbewertungen gemacht wurden (Vorgabe: heute)",
    "Imported %(count)d assessment (questionnaire %(version)s) from %(file)s:": (
        "%(count)d Selbstbewertung (Fragebogen %(version)s) aus %(file)s importiert:",
        "%(count)d Selbstbewertungen (Fragebogen %(version)s) aus %(file)s importiert:",
    ),
    "“%(value)s” is not a date; expected YYYY-MM-DD, e.g. 2026-03-31.": "„%(value)s“ ist kein Datum; erwartet wird JJJJ-MM-TT, z. B. 2026-03-31.",
    # ikoe/commands/assessment_scores.py
    "the code of the organisation, e.g. DE-BE or an agency's code": "der Code der Organisation, z. B. DE-BE oder der Code einer Behörde",
    "every finished assessment of the organisation, oldest first": "jede abgeschlossene Selbstbewertung der Organisation, die älteste zuerst",
    "%(code)s %(name)s – questionnaire %(version)s, finished on %(date)s": "%(code)s %(name)s – Fragebogen %(version)s, abgeschlossen am %(date)s",
    "Overall score: %(score)s (%(band)s)": "Gesamtwert: %(score)s (%(band)s)",
    "%(count)d item answered, %(na)d of them not applicable": (
        "%(count)d Frage beantwortet, davon %(na)d nicht zutreffend",
        "%(count)d Fragen beantwortet, davon %(na)d nicht zutreffend",
    ),
    "Sector modules: %(sectors)s": "Sektormodule: %(sectors)s",
    "%(code)s (%(name)s) has no finished IKÖ-Check.": "%(code)s (%(name)s) hat keinen abgeschlossenen IKÖ-Check.",
    "not applicable": "nicht zutreffend",
    # ikoe/cli.py
    "Import IKÖ-Check assessments filled in elsewhere (CSV, XLSX or Parquet: organisation, item, level, evidence): one new finished assessment per organisation.": "Importiert anderswo ausgefüllte IKÖ-Checks (CSV, XLSX oder Parquet: organisation, item, level, evidence): je Organisation eine neue abgeschlossene Selbstbewertung.",
    "Print the dimension scores and the overall score of an organisation's latest finished IKÖ-Check (--all: of every one).": "Gibt die Werte der Dimensionen und den Gesamtwert des letzten abgeschlossenen IKÖ-Checks einer Organisation aus (--all: aller).",
    # ikoe/templates/api_help.html
    "Finished IKÖ-Checks, the self-assessments of organisations: the organisation, the questionnaire version, the day, the sector modules, the overall score with its maturity band and the score of each dimension. You see the assessments of your own organisation, those shared with your Land's coordination or the federal level if you belong to it, and the public ones. You can choose by organisation code (organisation) and Land (land, e.g. DE-BE).": "Abgeschlossene IKÖ-Checks, die Selbstbewertungen von Organisationen: die Organisation, die Fragebogenversion, der Tag, die Sektormodule, der Gesamtwert mit seiner Reifestufe und der Wert jeder Dimension. Sie sehen die Selbstbewertungen Ihrer eigenen Organisation, die mit der Koordinierung Ihres Landes oder der Bundesebene geteilten, wenn Sie dazu gehören, und die öffentlichen. Sie können nach dem Code der Organisation (organisation) und dem Land (land, z. B. DE-BE) auswählen.",
    "One finished IKÖ-Check, with the same fields.": "Ein abgeschlossener IKÖ-Check mit denselben Feldern.",
    "The versions of the IKÖ-Check questionnaire; the newest is the one new assessments use.": "Die Versionen des Fragebogens des IKÖ-Checks; neue Selbstbewertungen verwenden die neueste.",
    "VERSION": "VERSION",
    "One version of the questionnaire: its dimensions and items with their weights, what each level means, the evidence asked for and the next steps, in German and English.": "Eine Version des Fragebogens: ihre Dimensionen und Fragen mit ihren Gewichten, was jede Stufe bedeutet, die erbetenen Nachweise und die nächsten Schritte, auf Deutsch und Englisch.",
}
