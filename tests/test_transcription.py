"""The transcription of the source (data/jobs, data/schemes) pinned against the scanned reference.

The counts and texts below were read off ../shared/seed/referentiel-metiers-informatique.ocr.txt by hand;
they fail when an edit of the Turtle loses, adds or garbles a line of a sheet. The tests parse data/ with
rdflib directly, so they do not depend on the build. They pin the source's 41 job types and 16 sheets
only: a correct new sheet (not from the source, so with its own dcterms:source) passes them, as
tests/test_new_sheet.py shows. REFMETIERS_TRANSCRIPTION_DATA names another data/ folder to check.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

from conftest import JOB_SLUGS

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("REFMETIERS_TRANSCRIPTION_DATA", REPO / "data"))
BASE = "https://w3id.org/refmetiers/"
RM = Namespace(BASE + "def#")
SOURCE = URIRef(BASE + "source/referentiel-metiers-informatique")

SLUGS = JOB_SLUGS
SOURCE_JOBS = {URIRef(f"{BASE}id/job/{slug}") for slug in SLUGS}

# Section 3 of the source: the sheets of the Production family, and each one's sub-family.
SHEETS = {
    "administrateur-de-base-de-donnees": "exploitation",
    "administrateur-de-reseaux-d-entreprise": "exploitation",
    "administrateur-de-site": "exploitation",
    "analyste-d-exploitation": "exploitation",
    "directeur-de-production": "exploitation",
    "gestionnaire-de-parc-micro-informatique": "support-et-assistance",
    "ingenieur-administrateur-systeme-et-reseaux": "exploitation",
    "ingenieur-deploiement-reseaux": "exploitation",
    "ingenieur-securite": "exploitation",
    "integrateur-d-exploitation": "exploitation",
    "responsable-technique-de-compte": "exploitation",
    "superviseur-hot-line": "support-et-assistance",
    "support-technique": "support-et-assistance",
    "technicien-de-maintenance": "support-et-assistance",
    "technicien-pilote-d-exploitation": "exploitation",
    "technicien-reseaux": "exploitation",
}

# Per sheet, in source order: main activities (top level), secondary activities, know-how, knowledge,
# variability factors, first printed page. Counted on the scan.
COUNTS = {
    "administrateur-de-base-de-donnees": (4, 2, 6, 6, 2, 4),
    "administrateur-de-reseaux-d-entreprise": (3, 2, 5, 8, 4, 7),
    "administrateur-de-site": (7, 2, 12, 7, 3, 10),
    "analyste-d-exploitation": (4, 2, 6, 4, 1, 13),
    "directeur-de-production": (12, 1, 10, 7, 2, 16),
    "gestionnaire-de-parc-micro-informatique": (8, 1, 13, 7, 2, 19),
    "ingenieur-administrateur-systeme-et-reseaux": (9, 2, 10, 7, 2, 22),
    "ingenieur-deploiement-reseaux": (10, 1, 6, 5, 3, 25),
    "ingenieur-securite": (5, 1, 6, 8, 3, 28),
    "integrateur-d-exploitation": (4, 1, 3, 4, 0, 31),
    "responsable-technique-de-compte": (7, 1, 6, 7, 2, 34),
    "superviseur-hot-line": (5, 1, 9, 8, 2, 37),
    "support-technique": (5, 3, 7, 8, 3, 40),
    "technicien-de-maintenance": (4, 3, 4, 6, 2, 43),
    "technicien-pilote-d-exploitation": (5, 1, 3, 4, 1, 46),
    "technicien-reseaux": (9, 2, 13, 7, 2, 49),
}

# The scan's error patterns (see ../shared/seed/README.md); none may survive in a literal.
ARTEFACTS = [
    "systémes", "systéme", "dune ", "QGestionnaire", "Qutils", "OQutils", "RESEAV", "synthétigue",
    "spécifigues", "ceuvre", "linformatique", "’'", "Meéthodes", "Geérer", "Deéfinir", "Remeédier",
    "Controbler", "Controéle", "FElaborer", "Sous-rfamille", "acceés", "accés", "régles", "matiére",
    "critéres", "probléme", "colts", "parametres", "diplomés", "Maitris", "maitris", "connaitre",
    "chaine", "aprés", " trés ", "particuliére", "réguliérement", "hétérogénes", "téléecoms", "I'",
    "|", "[l ", "»=", "eux enjeux", "mis en place", "mis en œuvre", "oeuvre", "maintenances",
]
ARTEFACT_REGEXES = [
    r"(?<!\bil) a la ",  # "a" for "à"; "il a la charge" is correct French and stays
    r"\ba l'", r"\bA ce titre", r"^\s*[»=*•·-]", r"\s$", r"^\s",
]


@pytest.fixture(scope="module")
def graph() -> Graph:
    g = Graph()
    for path in sorted((DATA / "jobs").glob("*.ttl")) + sorted((DATA / "schemes").glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def job(slug: str) -> URIRef:
    return URIRef(f"{BASE}id/job/{slug}")


def labels(g: Graph, subject, predicate=SKOS.prefLabel, lang: str = "fr") -> list[str]:
    return sorted(str(o) for o in g.objects(subject, predicate) if isinstance(o, Literal) and o.language == lang)


def pref_fr(g: Graph, subject) -> str:
    (label,) = labels(g, subject)
    return label


def linked_labels(g: Graph, slug: str, predicate) -> list[str]:
    return sorted(pref_fr(g, o) for o in g.objects(job(slug), predicate))


# --- the 41 job types and the nomenclature -------------------------------------------------------

def test_forty_one_job_types_with_the_fixed_slugs(graph):
    found = {str(s) for s in graph.subjects(RDF.type, RM.JobType)}
    assert {str(job(s)) for s in SLUGS} <= found
    assert len(SLUGS) == 41
    for extra in found - {str(job(s)) for s in SLUGS}:  # a contribution: its own origin, not the source's
        sources = set(graph.objects(URIRef(extra), DCTERMS.source))
        assert sources and SOURCE not in sources, extra


def test_one_file_per_job_type_named_after_its_slug(graph):
    stems = sorted(p.stem for p in (DATA / "jobs").glob("*.ttl"))
    assert set(SLUGS) <= set(stems)
    for path in (DATA / "jobs").glob("*.ttl"):
        jobs = list(Graph().parse(path, format="turtle").subjects(RDF.type, RM.JobType))
        assert [str(j) for j in jobs] == [str(job(path.stem))], path


@pytest.mark.parametrize("slug", SLUGS)
def test_every_job_type_is_complete(graph, slug):
    j = job(slug)
    assert len(labels(graph, j, lang="fr")) == 1 and len(labels(graph, j, lang="en")) == 1
    assert (j, SKOS.inScheme, URIRef(BASE + "scheme/jobs")) in graph
    (family,) = graph.objects(j, RM.family)
    assert (family, RDF.type, RM.Family) in graph
    subs = list(graph.objects(j, RM.subFamily))
    (broader,) = graph.objects(j, SKOS.broader)
    if subs:
        assert broader == subs[0] and (subs[0], RM.family, family) in graph
    else:
        assert broader == family
    (has_sheet,) = graph.objects(j, RM.hasSheet)
    assert has_sheet.toPython() is (slug in SHEETS)
    assert (j, DCTERMS.source, SOURCE) in graph


def test_families_and_sub_families_of_the_nomenclature(graph):
    families = {pref_fr(graph, f) for f in graph.subjects(RDF.type, RM.Family)}
    assert families == {"Production", "Étude et développement", "Conseil", "Projet", "Commercial"}
    subs = {pref_fr(graph, s): pref_fr(graph, next(graph.objects(s, RM.family)))
            for s in graph.subjects(RDF.type, RM.SubFamily)}
    assert subs == {"Exploitation": "Production", "Support et assistance": "Production",
                    "Management": "Projet", "Support": "Projet"}
    for f in graph.subjects(RDF.type, RM.Family):
        assert (f, SKOS.topConceptOf, URIRef(BASE + "scheme/jobs")) in graph


def test_column_counts_of_the_nomenclature(graph):
    per_family = Counter(str(next(graph.objects(job(s), RM.family))).rsplit("/", 1)[1] for s in SLUGS)
    assert per_family == {"production": 16, "etude-et-developpement": 7, "conseil": 7, "projet": 5, "commercial": 6}


def test_jobs_without_a_sheet_record_how_their_column_was_read(graph):
    for slug in set(SLUGS) - set(SHEETS):
        assert labels(graph, job(slug), SKOS.editorialNote, "en"), slug
        assert labels(graph, job(slug), SKOS.editorialNote, "fr"), slug
        assert not list(graph.objects(job(slug), RM.mainActivity)), slug


def test_french_labels_as_the_source_spells_them(graph):
    assert pref_fr(graph, job("consultant-en-assistance-a-la-maitrise-d-ouvrage")) == \
        "Consultant en assistance à la maîtrise d'ouvrage"
    assert pref_fr(graph, job("ingenieur-qualite-methodes-ingenieur-validation")) == \
        "Ingénieur qualité méthodes / ingénieur validation"
    assert pref_fr(graph, job("directeur-des-systemes-d-information")) == "Directeur des systèmes d'information"


# The rule for titles spelled two ways (issue 12): a job with a sheet takes its sheet's title; the list's spelling
# (section 1, lines 5-79) stays an alternative label. Sheet titles as the scan prints them, with their line.
SHEET_TITLES = {
    "administrateur-de-base-de-donnees": ("ADMINISTRATEUR DE BASE DE DONNEES", "Administrateur de base de données"),
    "administrateur-de-reseaux-d-entreprise": ("ADMINISTRATEUR DE RESEAU D'ENTREPRISE",  # L311
                                               "Administrateur de réseaux d'entreprise"),
    "administrateur-de-site": ("ADMINISTRATEUR DE SITE", "Administrateur de site"),
    "analyste-d-exploitation": ("ANALYSTE D'EXPLOITATION", "Analyste d'exploitation"),
    "directeur-de-production": ("DIRECTEUR DE PRODUCTION", "Directeur de production"),
    "gestionnaire-de-parc-micro-informatique": ("GESTIONNAIRE DE PARC MICRO-INFORMATIQUE",  # L822
                                                "Gestionnaire de parc micro"),
    "ingenieur-administrateur-systeme-et-reseaux": ("INGENIEUR ADMINISTRATEUR SYSTEME ET RESEAUX",
                                                    "Ingénieur administrateur système et réseaux"),
    "ingenieur-deploiement-reseaux": ("INGENIEUR DEPLOIEMENT RESEAUX", "Ingénieur déploiement réseaux"),
    "ingenieur-securite": ("INGENIEUR SECURITE", "Ingénieur sécurité"),
    "integrateur-d-exploitation": ("INTEGRATEUR D'EXPLOITATION", "Intégrateur d'exploitation"),
    "responsable-technique-de-compte": ("RESPONSABLE TECHNIQUE DE COMPTE", "Responsable technique de compte"),
    "superviseur-hot-line": ("SUPERVISEUR HOT LINE", "Superviseur Hot Line"),
    "support-technique": ("SUPPORT TECHNIQUE", "Support technique"),
    "technicien-de-maintenance": ("TECHNICIEN DE MAINTENANCE", "Technicien de maintenance"),
    "technicien-pilote-d-exploitation": ("TECHNICIEN PILOTE D'EXPLOITATION", "Technicien pilote d'exploitation"),
    "technicien-reseaux": ("TECHNICIEN RESEAU", "Technicien réseaux"),  # L2133 "RESEAV"; list L73 "réseaux"
}


@pytest.mark.parametrize(("slug", "printed"), [
    ("directeur-des-systemes-d-information", "Directeur des SI"),  # the nomenclature table, first row
    ("architecte-des-systemes-d-information", "Architecte des SI"),  # the nomenclature table, sixth row
])
def test_the_nomenclature_abbreviation_is_an_alternative_label(graph, slug, printed):
    # The table prints these titles abbreviated: a reader who searches the way the source spells them finds the job.
    assert printed in SCAN.read_text(encoding="utf-8")
    assert printed in labels(graph, job(slug), SKOS.altLabel)


def _folded(text: str) -> str:
    return unicodedata.normalize("NFD", text).encode("ascii", "ignore").decode().upper().replace("’", "'")


@pytest.mark.parametrize("slug", sorted(SHEET_TITLES))
def test_a_sheet_job_takes_its_sheet_title_and_keeps_the_list_spelling(graph, slug):
    sheet_title, list_title = SHEET_TITLES[slug]
    assert _folded(pref_fr(graph, job(slug))) == sheet_title
    if list_title != pref_fr(graph, job(slug)):
        assert list_title in labels(graph, job(slug), SKOS.altLabel)
        notes = labels(graph, job(slug), SKOS.editorialNote, "fr") + labels(graph, job(slug), SKOS.editorialNote, "en")
        assert any(list_title in note and "fiche" in note for note in notes)


# --- the sixteen sheets ----------------------------------------------------------------------------

@pytest.mark.parametrize("slug", sorted(SHEETS))
def test_sheet_family_definition_and_pages(graph, slug):
    j = job(slug)
    assert (j, RM.family, URIRef(BASE + "id/family/production")) in graph
    assert (j, RM.subFamily, URIRef(f"{BASE}id/subfamily/{SHEETS[slug]}")) in graph
    assert len(labels(graph, j, SKOS.definition)) == 1
    assert labels(graph, j, RM.prerequisites)
    first = COUNTS[slug][5]
    assert sorted(int(p) for p in graph.objects(j, RM.sourcePage)) == [first, first + 1, first + 2]


@pytest.mark.parametrize("slug", sorted(COUNTS))
def test_sheet_item_counts(graph, slug):
    j = job(slug)
    main, secondary, knowhow, knowledge, factors, _ = COUNTS[slug]
    assert len(set(graph.objects(j, RM.mainActivity))) == main
    assert len(set(graph.objects(j, RM.secondaryActivity))) == secondary
    assert len(set(graph.objects(j, RM.requiredKnowHow))) == knowhow
    assert len(set(graph.objects(j, RM.requiredKnowledge))) == knowledge
    assert len(set(graph.objects(j, RM.variabilityFactor))) == factors


def test_database_administrator_sheet_texts(graph):
    slug = "administrateur-de-base-de-donnees"
    assert labels(graph, job(slug), SKOS.definition) == [
        "Il assure le fonctionnement optimal des bases de données de l'entreprise, pour permettre aux "
        "utilisateurs l'accès aux informations, en assurant la qualité de service exigée."]
    assert labels(graph, job(slug), SKOS.altLabel) == sorted(
        ["Gestionnaire de données", "Spécialiste base de données", "Responsable base de données", "Ingénieur base de données"])
    assert "Définir les procédures d'exploitation et les règles de sauvegarde et de restauration" in \
        linked_labels(graph, slug, RM.mainActivity)
    assert "Gérer l'espace disque" in linked_labels(graph, slug, RM.requiredKnowHow)
    assert "Les langages de programmation associés aux bases de données" in linked_labels(graph, slug, RM.requiredKnowledge)
    assert linked_labels(graph, slug, RM.variabilityFactor) == ["Bases de données et taille", "Outils d'administration"]


def test_enterprise_network_administrator_sub_activities_stay_attached(graph):
    slug = "administrateur-de-reseaux-d-entreprise"
    mains = {pref_fr(graph, a): a for a in graph.objects(job(slug), RM.mainActivity)}
    parent = mains["Analyser la mise en production des ressources de l'informatique et des réseaux"]
    children = sorted(pref_fr(graph, c) for c in graph.subjects(SKOS.broader, parent))
    assert children == ["Mesurer et optimiser les performances des infrastructures",
                        "Élaborer et suivre les contrats de service avec les utilisateurs"]
    parent = mains["Mettre en exploitation les ressources de l'informatique et des réseaux"]
    assert len(list(graph.subjects(SKOS.broader, parent))) == 2
    # the job links the parents only
    for child in graph.subjects(SKOS.broader, parent):
        assert (job(slug), RM.mainActivity, child) not in graph
    (cert,) = graph.objects(job(slug), RM.certification)
    assert pref_fr(graph, cert) == "CQP Administrateur de réseau d'entreprise (ARE)"


def test_site_administrator_english_equivalent_and_knowledge(graph):
    slug = "administrateur-de-site"
    assert labels(graph, job(slug), SKOS.altLabel, "en") == ["Webmaster"]
    assert labels(graph, job(slug), SKOS.altLabel) == ["Gestionnaire de site", "Webmestre"]
    assert "Législation en matière de création de site" in linked_labels(graph, slug, RM.requiredKnowledge)


def test_operations_analyst_prerequisites(graph):
    j = job("analyste-d-exploitation")
    assert labels(graph, j, RM.experience) == ["Une expérience de 4 à 5 ans est souvent exigée à des postes similaires."]
    assert [y.toPython() for y in graph.objects(j, RM.minExperienceYears)] == [Decimal(4)]
    assert (j, RM.minEducationLevel, URIRef(BASE + "id/education-level/bac2")) in graph
    assert (j, RM.maxEducationLevel, URIRef(BASE + "id/education-level/bac4")) in graph
    assert linked_labels(graph, "analyste-d-exploitation", RM.romeV2Code) == ["Code ROME 32311"]


def test_production_director_texts(graph):
    slug = "directeur-de-production"
    assert "Organiser et planifier l'ensemble de la production informatique (exploitation, support et assistance aux utilisateurs)" \
        in linked_labels(graph, slug, RM.requiredKnowHow)
    assert "Contrôler la qualité et la performance de la production" in linked_labels(graph, slug, RM.requiredKnowHow)
    assert [y.toPython() for y in graph.objects(job(slug), RM.minExperienceYears)] == [Decimal(5)]
    assert not list(graph.objects(job(slug), RM.minEducationLevel))  # the sheet names no diploma


def test_integrator_behaviour_and_empty_variability(graph):
    j = job("integrateur-d-exploitation")
    (row,) = graph.objects(j, RM.behaviouralRequirement)
    assert str(row) == str(j) + "#behaviour-5"
    assert (row, RM.behaviourCategory, URIRef(BASE + "id/behaviour/CC5")) in graph
    assert labels(graph, row, RM.precision) == ["Rigueur et sens de la méthode"]
    assert not list(graph.objects(j, RM.variabilityFactor))


def test_support_sheets_texts(graph):
    assert "Hot liner" in labels(graph, job("support-technique"), SKOS.altLabel, "en")  # the sheet's own English
    rows = {str(next(graph.objects(r, RM.behaviourCategory))).rsplit("/", 1)[1]: labels(graph, r, RM.precision)
            for r in graph.objects(job("superviseur-hot-line"), RM.behaviouralRequirement)}
    assert rows == {"CC2": ["Qualités relationnelles"],
                    "CC4": ["Facilités d'expression écrite et orale", "Sens de l'écoute"],
                    "CC5": ["Rigoureux et méthodique"]}
    assert labels(graph, job("technicien-de-maintenance"), RM.experience) == [
        "Il n'est pas nécessaire d'avoir une expérience particulière."]


def test_rome_codes_quoted_by_the_sheets(graph):
    quoted = {slug: sorted(str(next(graph.objects(c, SKOS.notation))) for c in graph.objects(job(slug), RM.romeV2Code))
              for slug in SHEETS}
    assert {s: c for s, c in quoted.items() if c} == {
        "administrateur-de-base-de-donnees": ["32331"], "analyste-d-exploitation": ["32311"],
        "ingenieur-securite": ["32311"], "technicien-de-maintenance": ["53221"],
        "technicien-pilote-d-exploitation": ["32311"], "technicien-reseaux": ["52321"]}
    for code in graph.subjects(RDF.type, RM.RomeV2Code):
        assert re.fullmatch(r"\d{5}", str(next(graph.objects(code, SKOS.notation))))


def test_open_to_beginners_only_where_the_sheet_says(graph):
    beginners = {str(s).rsplit("/", 1)[1] for s, o in graph.subject_objects(RM.openToBeginners) if o.toPython()}
    assert beginners == {"gestionnaire-de-parc-micro-informatique", "support-technique",
                         "technicien-de-maintenance", "technicien-reseaux"}
    assert not [o for o in graph.objects(None, RM.openToBeginners) if not o.toPython()]


def test_education_ranges(graph):
    def rng(slug):
        lo = [str(o).rsplit("/", 1)[1] for o in graph.objects(job(slug), RM.minEducationLevel)]
        hi = [str(o).rsplit("/", 1)[1] for o in graph.objects(job(slug), RM.maxEducationLevel)]
        return lo, hi
    assert rng("technicien-de-maintenance") == (["bac"], ["bac2"])
    assert rng("ingenieur-securite") == (["bac4"], ["bac5"])
    assert rng("responsable-technique-de-compte") == (["bac5"], ["bac5"])
    assert rng("technicien-pilote-d-exploitation") == (["bac2"], [])  # "à partir d'un Bac+2"


def test_education_levels_follow_the_2019_nomenclature(graph):
    expected = {"bac": (4, 4), "bac2": (5, 5), "bac3": (6, 6), "bac4": (6, 6), "bac5": (7, 7)}
    found = {}
    for level in graph.subjects(RDF.type, RM.EducationLevel):
        found[str(level).rsplit("/", 1)[1]] = (int(next(graph.objects(level, RM.frenchQualificationLevel))),
                                                 int(next(graph.objects(level, RM.eqfLevel))))
        assert list(graph.objects(level, DCTERMS.source))
    assert found == expected


def test_behaviour_levels_only_where_the_scan_kept_them(graph):
    levels = [(s, int(o)) for s, o in graph.subject_objects(RM.level)]
    assert [(str(s).rsplit("/", 1)[1], lvl) for s, lvl in levels] == [("technicien-pilote-d-exploitation#behaviour-1", 2)]
    categories = set(graph.subjects(RDF.type, RM.BehaviourCategory))
    assert len(categories) == 5
    for row in graph.subjects(RDF.type, RM.BehaviouralRequirement):
        (category,) = graph.objects(row, RM.behaviourCategory)
        assert category in categories
        assert labels(graph, row, RM.precision) or list(graph.objects(row, RM.level)), row


# --- nearby jobs ---------------------------------------------------------------------------------

def test_every_nearby_link_targets_an_existing_job(graph):
    jobs = set(graph.subjects(RDF.type, RM.JobType))
    source_jobs = {job(s) for s in SLUGS}
    links = [(s, o) for s, o in graph.subject_objects(RM.nearbyJob) if s in source_jobs and o in source_jobs]
    assert len(links) == 39  # the links the sixteen sheets name (see their "Emplois-types de proximité")
    for s, o in links:
        assert s in jobs and o in jobs and s != o


def test_group_mentions_are_kept_as_notes(graph):
    assert labels(graph, job("responsable-technique-de-compte"), RM.nearbyJobNote) == ["Métiers du conseil"]
    assert not list(graph.objects(job("responsable-technique-de-compte"), RM.nearbyJob))
    assert labels(graph, job("analyste-d-exploitation"), RM.nearbyJobNote) == [
        "Administrateur de système et réseaux", "Ingénieur développement"]
    assert labels(graph, job("ingenieur-securite"), RM.nearbyJobNote) == ["Administrateur (système, réseaux, bases de données)"]
    assert linked_labels(graph, "directeur-de-production", RM.nearbyJob) == ["Directeur technique"]


# --- one concept per idea --------------------------------------------------------------------------

@pytest.mark.parametrize(("predicate", "label", "jobs"), [
    (RM.secondaryActivity, "Former les utilisateurs", {"gestionnaire-de-parc-micro-informatique", "technicien-de-maintenance"}),
    (None, "Réaliser une veille technologique", {"administrateur-de-site", "directeur-de-production", "ingenieur-deploiement-reseaux", "ingenieur-securite"}),
    (RM.variabilityFactor, "Taille de l'entreprise", {"administrateur-de-site", "directeur-de-production", "ingenieur-administrateur-systeme-et-reseaux", "ingenieur-securite"}),
    (RM.requiredKnowledge, "Normes et procédures de sécurité", {"analyste-d-exploitation", "directeur-de-production", "ingenieur-securite", "technicien-de-maintenance", "technicien-reseaux"}),
    (RM.requiredKnowHow, "Garantir la continuité du service aux utilisateurs", {"administrateur-de-base-de-donnees", "administrateur-de-reseaux-d-entreprise"}),
    (RM.requiredKnowledge, "Méthodes de diagnostic", {"superviseur-hot-line", "support-technique", "technicien-de-maintenance"}),
])
def test_shared_concepts(graph, predicate, label, jobs):
    concepts = [c for c in graph.subjects(SKOS.prefLabel, Literal(label, lang="fr"))]
    assert concepts, label
    linked = set()
    for c in concepts:
        for s, p in graph.subject_predicates(c):
            if (s, RDF.type, RM.JobType) in graph and (predicate is None or p == predicate) and s in SOURCE_JOBS:
                linked.add(str(s).rsplit("/", 1)[1])
    if predicate is not None:
        assert len(concepts) == 1
    assert linked == jobs


def test_no_two_concepts_of_a_scheme_share_a_label(graph):
    seen: dict[tuple, URIRef] = {}
    for c, s in graph.subject_objects(SKOS.inScheme):
        if (c, OWL.deprecated, Literal(True)) in graph:
            continue  # a deprecated concept keeps the labels it was published with; its successor may take them
        for p in (SKOS.prefLabel, SKOS.altLabel):
            for label in graph.objects(c, p):
                key = (s, str(label).casefold(), label.language)
                assert seen.setdefault(key, c) == c, f"{label!r} on {c} and {seen[key]}"


# --- concepts, schemes and literals -------------------------------------------------------------------

CONCEPT_IRI = re.compile(
    BASE + r"id/(family/[a-z-]+|subfamily/[a-z-]+|job/[a-z-]+|activity/A\d{3}|knowhow/SF\d{3}|knowledge/C\d{3}"
    r"|factor/V\d{3}|behaviour/CC[1-5]|education-level/bac\d?|certification/CE\d{3}|rome-v2/\d{5})")


def test_every_concept_is_well_formed(graph):
    concepts = set(graph.subjects(SKOS.inScheme, None))
    assert len(concepts) > 300
    for c in concepts:
        assert CONCEPT_IRI.fullmatch(str(c)), c
        assert len(labels(graph, c, lang="fr")) == 1, c
        assert len(labels(graph, c, lang="en")) == 1, c
        (scheme,) = graph.objects(c, SKOS.inScheme)
        assert (scheme, RDF.type, SKOS.ConceptScheme) in graph


def test_linked_concepts_exist_with_their_class(graph):
    expected = {RM.mainActivity: RM.Activity, RM.secondaryActivity: RM.Activity, RM.requiredKnowHow: RM.KnowHow,
                RM.requiredKnowledge: RM.Knowledge, RM.variabilityFactor: RM.VariabilityFactor,
                RM.certification: RM.Certification, RM.romeV2Code: RM.RomeV2Code,
                RM.minEducationLevel: RM.EducationLevel, RM.maxEducationLevel: RM.EducationLevel,
                RM.behaviouralRequirement: RM.BehaviouralRequirement}
    for predicate, cls in expected.items():
        for o in graph.objects(None, predicate):
            assert (o, RDF.type, cls) in graph, (predicate, o)
    # every activity, know-how, knowledge item and factor is used by a sheet (directly or as a sub-activity)
    for cls, predicates in ((RM.KnowHow, [RM.requiredKnowHow]), (RM.Knowledge, [RM.requiredKnowledge]),
                            (RM.VariabilityFactor, [RM.variabilityFactor]),
                            (RM.Activity, [RM.mainActivity, RM.secondaryActivity])):
        for c in graph.subjects(RDF.type, cls):
            if (c, OWL.deprecated, Literal(True)) in graph:
                continue  # retired: no sheet uses it any more, its IRI stays
            top = next(graph.objects(c, SKOS.broader), c)
            assert any(list(graph.subjects(p, top)) for p in predicates), c


@pytest.mark.parametrize("path", sorted((DATA / "schemes").glob("*.ttl")), ids=lambda p: p.name)
def test_each_scheme_file_describes_its_scheme(path):
    g = Graph().parse(path, format="turtle")
    (scheme,) = g.subjects(RDF.type, SKOS.ConceptScheme)
    assert str(scheme) == f"{BASE}scheme/{path.stem}"
    for p in (DCTERMS.title, SKOS.definition):
        assert {o.language for o in g.objects(scheme, p)} == {"fr", "en"}
    assert path.read_text(encoding="utf-8").lstrip().startswith(("@prefix", "PREFIX"))


def test_no_blank_nodes(graph):
    assert not [t for t in graph if any(isinstance(x, BNode) for x in t)]


def test_every_label_has_a_language_and_no_scan_artefact(graph):
    problems = []
    for s, p, o in graph:
        if not isinstance(o, Literal) or o.datatype is not None:
            continue
        text = str(o)
        if p == SKOS.editorialNote:  # our notes quote the scan's readings on purpose
            continue
        if p in (SKOS.prefLabel, SKOS.altLabel, SKOS.definition) and not o.language:
            problems.append((s, p, text))
        for pattern in ARTEFACTS:
            if pattern in text:
                problems.append((s, pattern, text))
        for regex in ARTEFACT_REGEXES:
            if re.search(regex, text):
                problems.append((s, regex, text))
    assert problems == []


def test_artefact_check_catches_the_scan_errors():
    """The artefact patterns fire on real lines of the scan (guards against a pattern list that checks nothing)."""
    scan = [
        "» Architecte des systémes d’information", "* Consultant en assistance a la maitrise d’ouvrage",
        "» QGestionnaire de parc micro-informatique", "= Qutils d’administration", "TECHNICIEN RESEAV",
        "Description synthétigue", "Connaissances spécifigues requises", "Mettre en ceuvre une infrastructure",
        "Administrer les ressources de linformatique", "= Gérer ’'espace disque", "issus dune formation technique",
    ]
    for line in scan:
        assert any(p in line for p in ARTEFACTS) or any(re.search(r, line) for r in ARTEFACT_REGEXES), line
    assert not re.search(ARTEFACT_REGEXES[0], "dont il a la charge")


@pytest.mark.parametrize("slug", SLUGS)
def test_a_job_file_holds_its_job_and_its_sheet_parts_only(slug):
    """A contributor adds a job by copying one file: nothing else may hide in it."""
    g = Graph().parse(DATA / "jobs" / f"{slug}.ttl", format="turtle")
    subjects = {str(s) for s in g.subjects()}
    assert str(job(slug)) in subjects
    parts = (str(job(slug)) + "#behaviour-", str(job(slug)) + "#wording-")
    assert all(s == str(job(slug)) or s.startswith(parts) for s in subjects), subjects


# --- audit pass: corrections pinned ------------------------------------------------------------------

def en(g: Graph, subject) -> str:
    (label,) = labels(g, subject, lang="en")
    return label


@pytest.mark.parametrize(("iri", "french", "english"), [
    ("activity/A078", "Participer au support des projets pour tout ce qui touche à la sécurité",
     "Take part in supporting projects on all security matters"),
    ("knowledge/C015", "Réalisation d'animation de texte", "Producing text animation"),
    ("knowledge/C016", "Réalisation d'animation graphique", "Producing graphic animation"),
])
def test_english_labels_translate_the_whole_french(graph, iri, french, english):
    c = URIRef(BASE + "id/" + iri)
    assert pref_fr(graph, c) == french
    assert en(graph, c) == english


def test_grammar_corrections_of_the_scan(graph):
    assert "Installer, configurer, administrer et optimiser les bases de données" in \
        linked_labels(graph, "administrateur-de-base-de-donnees", RM.mainActivity)
    assert "Outils de gestion de parc utilisés" in \
        linked_labels(graph, "gestionnaire-de-parc-micro-informatique", RM.variabilityFactor)
    assert "Participer à la vente d'équipements micro-informatiques" in \
        linked_labels(graph, "support-technique", RM.secondaryActivity)


# --- nothing that is not in the source: every text of a sheet is found in the scan of that sheet --------

SCAN = REPO.parent / "shared" / "seed" / "referentiel-metiers-informatique.ocr.txt"
# The scan's letter damage, undone word by word before comparing (accents and apostrophes are dropped).
SCAN_WORDS = {"ceuvre": "oeuvre", "qutils": "outils", "oqutils": "outils", "meethodes": "methodes",
              "geerer": "gerer", "deefinir": "definir", "remeedier": "remedier", "controbler": "controler",
              "controele": "controle", "felaborer": "elaborer", "teleecoms": "telecoms", "meetiers": "metiers",
              "probleeme": "probleme", "dune": "une", "linformatique": "informatique", "lorganisation": "organisation",
              "meethode": "methode", "accees": "acces", "dun": "un", "ii": "il", "i": "il"}
# Our corrections of the sheet's own wording, each explained by an editorial note on the job.
CORRECTED = {
    "Installer, configurer, administrer et optimiser les bases de données",
    "Il va être important de développer la relation client",  # the scan's "[l va"
    "Assurer une veille économique dans le domaine d'Internet (marchés, tendances...)",
    "Définir le contrat de service passé avec les clients internes ou externes",
    "Coordonner la réalisation de traitements informatiques dans les meilleures conditions de qualité, de délais et de coûts",
    "Superviser la maintenance des matériels et logiciels d'exploitation",
    "Outils de gestion de parc utilisés",
    "Assurer le support dernier niveau",
    "Coordonner des prestataires externes",
    "Vérifier la mise en œuvre des protocoles et matériels réseaux",
    "Sensibiliser les collaborateurs aux enjeux de la sécurité",
    "Établir un suivi quantitatif et qualitatif de tous les éléments du projet avec mise en place de tableaux de bord",
    "Participer à la vente d'équipements micro-informatiques",
    "L'analyste d'exploitation assure la bonne exploitation du patrimoine applicatif de l'entreprise et garantit "
    "le respect des contrats de services définis avec les utilisateurs.",
    "Le superviseur Hot Line anime une équipe de hot liners et veille à la qualité de service apportée aux "
    "utilisateurs. Pour parvenir à cet objectif, il analyse les résultats obtenus et optimise les procédures "
    "d'assistance.",
}


def scan_text(text: str) -> str:
    import unicodedata
    text = unicodedata.normalize("NFKD", text.replace("œ", "oe"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[’'‘`]", "'", text).replace("i'", "l'")
    text = re.sub(r"\b[a-z]{0,2}'", " ", text).replace("'", " ")
    text = re.sub(r"[»=*•|:;,.()\[\]—–-]", " ", text)
    return " ".join(SCAN_WORDS.get(w, w) for w in text.split())


@pytest.mark.skipif(not SCAN.exists(), reason="the scanned source lies outside the repository")
def test_every_text_of_a_sheet_is_in_its_scan(graph):
    lines = SCAN.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip().startswith("Famille")] + [len(lines)]
    assert len(starts) == len(SHEETS) + 1
    list_of_41 = scan_text(" ".join(lines[:81]))
    missing = []
    for (slug, start, end) in zip(SHEETS, starts, starts[1:], strict=False):
        sheet = scan_text(" ".join(lines[start:end]))
        j = job(slug)
        texts = []
        for p in (RM.mainActivity, RM.secondaryActivity, RM.requiredKnowHow, RM.requiredKnowledge,
                  RM.variabilityFactor, RM.certification):
            for c in graph.objects(j, p):
                for part in [c, *graph.subjects(SKOS.broader, c)]:
                    texts.append(labels(graph, part) + labels(graph, part, SKOS.altLabel))
        for p in (SKOS.altLabel, SKOS.definition, RM.prerequisites, RM.nearbyJobNote, RM.experience):
            texts += [[t] for t in labels(graph, j, p)]
        for row in graph.objects(j, RM.behaviouralRequirement):
            texts += [[t] for t in labels(graph, row, RM.precision)]
        # the list of the 41 job types spells a few titles differently: that spelling is an alternative label
        listed = [[t] for t in labels(graph, j, SKOS.altLabel) if scan_text(t) in list_of_41]
        for wordings in texts:
            if wordings in listed:
                continue
            if not any(scan_text(w) in sheet for w in wordings) and not CORRECTED & set(wordings):
                missing.append((slug, wordings))
    assert missing == []


# --- modelling corrections of issue 12 ------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted((DATA / "schemes").glob("*.ttl")), ids=lambda p: p.stem)
def test_each_scheme_states_its_top_concepts_where_its_data_lives(path):
    g = Graph().parse(path, format="turtle")
    tops = set(g.subject_objects(SKOS.topConceptOf))
    assert tops, path.name
    assert {(c, s) for s, c in g.subject_objects(SKOS.hasTopConcept)} == tops


# Page numbers the scan shows printed (the others are computed from the sequence of 3-page sheets).
PRINTED_PAGES = {"administrateur-de-base-de-donnees": {4, 6}, "administrateur-de-reseaux-d-entreprise": {7},
                 "administrateur-de-site": {10}, "analyste-d-exploitation": {13}, "directeur-de-production": {16, 17}}


@pytest.mark.parametrize("slug", sorted(SHEETS))
def test_printed_pages_are_told_from_computed_ones(graph, slug):
    printed = {int(p) for p in graph.objects(job(slug), RM.printedPage)}
    pages = {int(p) for p in graph.objects(job(slug), RM.sourcePage)}
    assert printed == PRINTED_PAGES.get(slug, set())
    assert printed <= pages and len(pages) == 3


@pytest.mark.parametrize("slug", JOB_SLUGS)
def test_every_editorial_note_of_a_job_is_in_french_and_english(graph, slug):
    notes = list(graph.objects(job(slug), SKOS.editorialNote))
    assert notes
    assert Counter(n.language for n in notes) == {"fr": len(notes) // 2, "en": len(notes) // 2}


# English labels reviewed by a bilingual HR/IT reader (issue 12); the published ones stay as altLabel@en.
ENGLISH_LABELS = {
    "job/directeur-de-production": ("IT operations director", "IT production director"),
    "job/analyste-d-exploitation": ("IT operations analyst", "Operations analyst"),
    "job/integrateur-d-exploitation": ("Release and deployment engineer", "Operations integrator"),
    "job/consultant-en-assistance-a-la-maitrise-d-ouvrage": ("Business analysis consultant",
                                                             "Project owner support consultant"),
    "job/ingenieur-qualite-methodes-ingenieur-validation": ("Software QA engineer / test and validation engineer",
                                                            "Quality and methods engineer / validation engineer"),
    "job/integrateur-web": ("Front-end web developer", "Web integrator"),
    "job/ingenieur-administrateur-systeme-et-reseaux": ("Systems and network engineer",
                                                        "Systems and network administration engineer"),
    "job/vendeur-de-solution-informatique": ("IT solutions sales representative", "IT solution salesperson"),
    "job/support-technique": ("IT support technician", "Technical support agent"),
    "job/superviseur-hot-line": ("Help desk supervisor", "Hotline supervisor"),
    "job/technicien-de-maintenance": ("Desktop support technician", "IT maintenance technician"),
    "family/etude-et-developpement": ("Software development", "Study and development"),
}


@pytest.mark.parametrize("key", sorted(ENGLISH_LABELS))
def test_reviewed_english_label_with_the_published_one_kept(graph, key):
    concept = URIRef(f"{BASE}id/{key}")
    new, old = ENGLISH_LABELS[key]
    assert labels(graph, concept, lang="en") == [new]
    assert old in labels(graph, concept, SKOS.altLabel, "en")


def test_a_merge_never_makes_a_sheet_say_more_than_it_does(graph):
    # Responsable technique de compte, L1504: "Outils et normes d'exploitation" (no "méthodes"): its own concept,
    # related to C023 "Méthodes, normes et outils d'exploitation" (merge policy in CONTRIBUTING.md, issue 12)
    c023, c080 = URIRef(f"{BASE}id/knowledge/C023"), URIRef(f"{BASE}id/knowledge/C080")
    assert "Outils et normes d'exploitation" in linked_labels(graph, "responsable-technique-de-compte",
                                                               RM.requiredKnowledge)
    assert (job("responsable-technique-de-compte"), RM.requiredKnowledge, c023) not in graph
    assert "Outils et normes d'exploitation" not in labels(graph, c023, SKOS.altLabel)
    assert (c080, SKOS.related, c023) in graph
    assert {str(j).rsplit("/", 1)[1] for j in graph.subjects(RM.requiredKnowledge, c023)} == {
        "analyste-d-exploitation", "integrateur-d-exploitation"}


# --- each sheet's own wording of a shared item (merge policy, CONTRIBUTING.md; issue 12 item 7) -----------

# The headings of a sheet in the scan, and the property whose items each one lists (None: not an item list).
HEADINGS = [("Activités principales", RM.mainActivity), ("Activités accessoires", RM.secondaryActivity),
            ("Savoir-faire spécifique", RM.requiredKnowHow), ("Connaissances spécifi", RM.requiredKnowledge),
            ("Compétences comportementales", None), ("Variabilité", RM.variabilityFactor),
            ("Emplois-types de proximité", None)]
ITEM_PROPERTIES = [p for _, p in HEADINGS if p is not None]


def scan_sections() -> dict[str, dict]:
    """Per sheet slug, per item property, the scan text under that heading (normalised by scan_text)."""
    lines = SCAN.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip().startswith("Famille")] + [len(lines)]
    out: dict[str, dict] = {}
    for slug, start, end in zip(SHEETS, starts, starts[1:], strict=False):
        texts: dict = {}
        current = None
        for line in lines[start:end]:
            heading = next((p for h, p in HEADINGS if line.strip().startswith(h)), False)
            if heading is not False:
                current = heading
            elif current is not None:
                texts.setdefault(current, []).append(line)
        out[slug] = {p: scan_text(" ".join(v)) for p, v in texts.items()}
    return out


def sheet_wordings_from_scan(g: Graph) -> dict[str, dict[str, str]]:
    """Per sheet, the items whose wording in the scan is not the concept's French preferred label: the
    concept's IRI → the longest of its French labels found under the item's heading (the sheet's wording)."""
    found: dict[str, dict[str, str]] = {}
    for slug, sections in scan_sections().items():
        for p in ITEM_PROPERTIES:
            for concept in g.objects(job(slug), p):
                pref = pref_fr(g, concept)
                candidates = [w for w in [pref, *labels(g, concept, SKOS.altLabel)] if scan_text(w) in sections.get(p, "")]
                if candidates:
                    best = max(candidates, key=lambda w: len(scan_text(w)))
                    if best != pref:
                        found.setdefault(slug, {})[str(concept)] = best
    return found


def recorded_wordings(g: Graph, slug: str) -> dict[str, str]:
    out = {}
    for node in g.objects(job(slug), RM.sheetWording):
        (concept,) = g.objects(node, RM.wordingOf)
        (text,) = g.objects(node, RM.wording)
        assert str(node) == f"{job(slug)}#wording-{str(concept).rsplit('/', 1)[1]}"
        out[str(concept)] = str(text)
    return out


@pytest.mark.skipif(not SCAN.exists(), reason="the scanned source lies outside the repository")
def test_each_sheet_records_its_own_wording_where_a_merge_changed_it(graph):
    expected = sheet_wordings_from_scan(graph)
    assert {slug: recorded_wordings(graph, slug) for slug in SHEETS if recorded_wordings(graph, slug)} == expected
    # the cases the audit named (fidelity.md, D2 and section 3), read off the scan by hand
    assert expected["technicien-de-maintenance"][f"{BASE}id/activity/A023"] == "Assurer un support aux utilisateurs"
    assert expected["technicien-reseaux"][f"{BASE}id/activity/A023"] == "Assurer le support technique"
    assert expected["integrateur-d-exploitation"][f"{BASE}id/knowledge/C023"] == "Méthodes, outils et normes d'exploitation"
    assert expected["technicien-reseaux"][f"{BASE}id/knowledge/C010"] == "Protocoles de communication"


def test_the_network_protocols_are_one_concept_and_the_merged_ones_stay_deprecated(graph):
    c010 = URIRef(f"{BASE}id/knowledge/C010")
    users = {str(j).rsplit("/", 1)[1] for j in graph.subjects(RM.requiredKnowledge, c010)}
    assert users == {"administrateur-de-reseaux-d-entreprise", "ingenieur-administrateur-systeme-et-reseaux",
                     "ingenieur-deploiement-reseaux", "technicien-reseaux"}
    for code in ("C040", "C077"):
        old = URIRef(f"{BASE}id/knowledge/{code}")
        assert (old, OWL.deprecated, Literal(True)) in graph
        assert (old, DCTERMS.isReplacedBy, c010) in graph
        assert not list(graph.subjects(RM.requiredKnowledge, old))
        assert labels(graph, old)  # its published labels stay


def test_a_merge_that_adds_procedures_is_undone(graph):
    # Technicien pilote d'exploitation, L1971: "Normes et standards d'exploitation" (no "procédures")
    c006, c081 = URIRef(f"{BASE}id/knowledge/C006"), URIRef(f"{BASE}id/knowledge/C081")
    assert (job("technicien-pilote-d-exploitation"), RM.requiredKnowledge, c081) in graph
    assert (job("technicien-pilote-d-exploitation"), RM.requiredKnowledge, c006) not in graph
    assert pref_fr(graph, c081) == "Normes et standards d'exploitation"
    assert (c081, SKOS.related, c006) in graph
