"""Issue 6: the SSSOM reader, the curated mapping sets, the reference subset and the link queries."""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS, XSD

from conftest import JOB_SLUGS
from refmetiers.config import load_settings
from refmetiers.errors import SourceError
from refmetiers.layout import SourceFile, route
from refmetiers.namespaces import ESCO, SEMAPV, SSSOM, graph_iri
from refmetiers.sources import load_sources, parse_file
from refmetiers.sssom import mapping_set_to_graph, read_mapping_set

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "mappings"
MAPPINGS = REPO / "data" / "mappings"
REFERENCE = REPO / "data" / "reference"
QUERIES = REPO / "queries"

JOB = "https://w3id.org/refmetiers/id/job/"
ESCO_OCC = "http://data.europa.eu/esco/occupation/"
ESCO_SKILL = "http://data.europa.eu/esco/skill/"
ISCO = "http://data.europa.eu/esco/isco/C"
ROME = "https://w3id.org/refmetiers/id/rome/"
ROME_APP = "https://w3id.org/refmetiers/id/rome-appellation/"
PCS2020 = "https://w3id.org/refmetiers/id/pcs2020/"
PCS2003 = "https://w3id.org/refmetiers/id/pcs2003/"
ROME_V2 = "https://w3id.org/refmetiers/id/rome-v2/"
SCHEME = "https://w3id.org/refmetiers/scheme/"

JOBS = [URIRef(JOB + slug) for slug in JOB_SLUGS]


# --------------------------------------------------------------------------- the reader

@pytest.fixture(scope="module")
def fixture_graph() -> Graph:
    return mapping_set_to_graph(FIXTURES / "valid.sssom.tsv")


def test_reader_publishes_the_skos_mapping_triple(fixture_graph):
    alpha = URIRef(JOB + "alpha")
    dba = URIRef(ESCO_OCC + "8c57af09-719c-42b3-be40-6ed4946236cc")
    assert (alpha, SKOS.exactMatch, dba) in fixture_graph
    assert (alpha, SKOS.broadMatch, URIRef(ISCO + "2521")) in fixture_graph
    assert (URIRef(JOB + "beta"), SKOS.closeMatch, None) in fixture_graph


def test_reader_keeps_each_record_as_a_named_node(fixture_graph):
    node = URIRef("https://w3id.org/refmetiers/id/mapping/fixture/0001")
    assert (node, RDF.type, SSSOM.Mapping) in fixture_graph
    assert (node, OWL.annotatedSource, URIRef(JOB + "alpha")) in fixture_graph
    assert (node, OWL.annotatedProperty, SKOS.exactMatch) in fixture_graph
    assert (node, SSSOM.mapping_justification, SEMAPV.ManualMappingCuration) in fixture_graph
    assert (node, SSSOM.author_id, URIRef("https://w3id.org/refmetiers/team")) in fixture_graph
    assert (node, SSSOM.comment, Literal("Same job.")) in fixture_graph
    assert (node, SSSOM.mapping_date, Literal("2026-11-28", datatype=XSD.date)) in fixture_graph
    assert (node, DCTERMS.isPartOf, URIRef("https://w3id.org/refmetiers/id/mapping/fixture")) in fixture_graph


def test_record_without_record_id_is_named_after_the_set_and_its_ordinal(fixture_graph):
    node = URIRef("https://w3id.org/refmetiers/id/mapping/fixture/2")
    assert (node, SSSOM.mapping_justification, SEMAPV.LexicalMatching) in fixture_graph
    assert (node, SSSOM.similarity_score, Literal(0.82, datatype=XSD.double)) in fixture_graph


def test_reader_publishes_no_blank_node(fixture_graph):
    assert not [t for t in fixture_graph if any(isinstance(term, BNode) for term in t)]


def test_quoted_comment_over_two_lines_is_kept_and_line_numbers_stay_right():
    mapping_set = read_mapping_set(FIXTURES / "valid.sssom.tsv")
    assert [m.line for m in mapping_set.mappings] == [15, 16, 17]
    assert mapping_set.mappings[2].comment == "A comment\non two lines"


INVALID = [
    ("missing_column", 14, "missing column(s): mapping_justification"),
    ("unknown_predicate", 16, "unknown predicate 'owl:sameAs'"),
    ("bad_curie", 16, "bad CURIE 'not a curie' in column object_id"),
    ("unknown_prefix", 16, "prefix 'esco' is not in the curie_map"),
    ("bad_confidence", 16, "similarity_score '1.7' is not a number between 0 and 1"),
    ("lexical_without_similarity_score", 16, "semapv:LexicalMatching record needs a similarity_score"),
    ("unknown_justification", 16, "unknown mapping_justification 'semapv:Guesswork'"),
    ("bad_yaml", 9, "bad YAML in the metadata block"),
    ("missing_set_id", 1, "no mapping_set_id"),
    ("duplicate_record_id", 17, "record_id 'rmmap:fixture/0001' already used on line 15"),
]


@pytest.mark.parametrize("name,line,message", INVALID, ids=[case[0] for case in INVALID])
def test_bad_mapping_file_raises_a_source_error_naming_file_and_line(name, line, message):
    path = FIXTURES / "invalid" / f"{name}.sssom.tsv"
    with pytest.raises(SourceError) as caught:
        read_mapping_set(path)
    assert caught.value.path == path
    assert caught.value.line == line
    assert message in caught.value.message
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_sources_route_mapping_files_to_graph_mappings_and_parse_them_with_the_reader(tmp_path):
    settings = load_settings(root=REPO)
    path = MAPPINGS / "rome.sssom.tsv"
    assert route(path, settings) == "mappings"
    assert route(REFERENCE / "rome.ttl", settings) == "reference"
    graph = parse_file(SourceFile(path, "mappings"))
    assert (URIRef(JOB + "developpeur"), SKOS.closeMatch, URIRef(ROME + "M1805")) in graph


# --------------------------------------------------------------------------- the curated sets

def curated_records() -> list[tuple[str, object, object]]:
    records = []
    for path in sorted(MAPPINGS.glob("*.sssom.tsv")):
        mapping_set = read_mapping_set(path)
        for m in mapping_set.mappings:
            records.append((path.name, m, mapping_set))
    return records


@pytest.fixture(scope="module")
def links() -> list[tuple[URIRef, URIRef, URIRef]]:
    triples = []
    for _, m, mapping_set in curated_records():
        if m.negated:  # a rejected link: recorded, not published
            continue
        triples.append((mapping_set.expand(m.subject_id), URIRef(str(SKOS) + m.predicate_id.split(":")[1]),
                        mapping_set.expand(m.object_id)))
    return triples


@pytest.fixture(scope="module")
def reference() -> Graph:
    graph = Graph()
    for path in sorted(REFERENCE.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def targets_of(links, job, prefix):
    return {o for s, _, o in links if s == job and str(o).startswith(prefix)}


@pytest.mark.parametrize("job", JOBS, ids=JOB_SLUGS)
def test_every_job_type_has_esco_isco_rome_and_pcs_links(job, links):
    assert targets_of(links, job, ESCO_OCC), "no ESCO occupation"
    iscos = targets_of(links, job, ISCO)
    assert len(iscos) == 1 and all(len(str(i)) == len(ISCO) + 4 for i in iscos), "not exactly one ISCO unit group"
    assert targets_of(links, job, ROME), "no ROME 4.0 fiche"
    assert targets_of(links, job, PCS2020), "no PCS 2020 profession"
    assert targets_of(links, job, PCS2003), "no PCS 2003 profession"


def test_links_concern_only_the_41_job_types_and_the_rome_v2_codes(links):
    subjects = {s for s, _, _ in links}
    jobs = {s for s in subjects if str(s).startswith(JOB)}
    assert jobs == set(JOBS)
    others = {str(s) for s in subjects - jobs if not str(s).startswith(("https://w3id.org/refmetiers/id/knowhow/",
                                                                         "https://w3id.org/refmetiers/id/knowledge/"))}
    assert others == {ROME_V2 + code for code in ("32311", "32331", "53221", "52321")}


@pytest.mark.parametrize("code,fiche", [("32311", "M1810"), ("32331", "M1801"), ("53221", "I1401"), ("52321", "M1816")])
def test_rome_v2_codes_are_linked_to_their_rome4_fiche_with_a_justification(code, fiche):
    rows = [(m, ms) for _, m, ms in curated_records() if m.subject_id == f"rmromev2:{code}"]
    assert [ms.expand(m.object_id) for m, ms in rows] == [URIRef(ROME + fiche)]
    comment = rows[0][0].comment
    assert "No ROME v2-to-v3" in comment and "reference/" in comment


def test_every_curated_record_has_justification_author_label_and_evidence():
    for name, m, _ in curated_records():
        where = f"{name}:{m.line}"
        if m.mapping_justification == "semapv:LexicalMatching":
            # an accepted suggestion: the tool and its score, and the curator who accepted it (issue 12)
            assert name == "esco-skills.sssom.tsv" and m.similarity_score is not None, where
            assert m.mapping_tool == "refmetiers suggest-links" and m.similarity_measure, where
            assert m.reviewer_id == ("rmagent:team",) and m.author_id == () and m.confidence is None, where
            assert "Accepted suggestion of refmetiers suggest-links" in m.comment, where
        else:
            assert m.mapping_justification == "semapv:ManualMappingCuration" and m.confidence is None, where
            assert m.similarity_score is None and m.author_id == ("rmagent:team",), where
        assert m.subject_label and m.object_label, where
        assert len(m.comment) > 20, where


def test_record_ids_are_unique_across_sets():
    ids = [m.record_id for _, m, _ in curated_records()]
    assert all(ids) and len(ids) == len(set(ids))


def test_no_exact_and_broad_match_to_the_same_target(links):
    exact = {(s, o) for s, p, o in links if p == SKOS.exactMatch}
    broad = {(s, o) for s, p, o in links if p == SKOS.broadMatch}
    assert not exact & broad


def test_no_two_exact_targets_of_a_concept_are_in_a_hierarchy(links, reference):
    """exactMatch is transitive: a job exactMatch both a fiche and one of its appellations would make
    the fiche exactMatch its own narrower appellation (regression: the first curation did)."""
    for subject in {s for s, _, _ in links}:
        exact = {o for s, p, o in links if s == subject and p == SKOS.exactMatch}
        for target in exact:
            above = set(reference.transitive_objects(target, SKOS.broader)) - {target}
            assert not above & exact, (subject, target, above & exact)


def test_no_target_is_exact_match_of_two_of_our_concepts(links):
    """Otherwise SKOS (exactMatch symmetric and transitive) would make our two concepts the same."""
    seen = {}
    for subject, predicate, target in links:
        if predicate == SKOS.exactMatch:
            assert seen.setdefault(target, subject) == subject, (target, seen[target], subject)


def test_an_appellation_belongs_to_one_of_the_jobs_fiches(links, reference):
    for job in JOBS:
        fiches = targets_of(links, job, ROME)
        for appellation in targets_of(links, job, ROME_APP):
            assert reference.value(appellation, SKOS.broader) in fiches, (job, appellation)


def test_isco_group_is_the_esco_occupations_group_unless_the_comment_says_why():
    rows = {m.subject_id: m for _, m, _ in curated_records() if m.object_id.startswith("isco:")}
    esco = {}
    for _, m, ms in curated_records():
        if m.object_id.startswith("escoocc:"):
            esco.setdefault(m.subject_id, set()).add(ms.expand(m.object_id))
    graph = Graph().parse(REFERENCE / "esco-occupations.ttl")
    for subject, m in rows.items():
        groups = {str(graph.value(o, SKOS.broader)).rsplit("C", 1)[1] for o in esco[subject]}
        if m.object_id[len("isco:C"):] not in groups:
            assert "Our judgement" in m.comment, subject


KIND = {  # target namespace → (the class or scheme it must have in graph `reference`)
    ESCO_OCC: (RDF.type, ESCO.Occupation),
    ESCO_SKILL: (RDF.type, ESCO.Skill),
    ISCO: (SKOS.inScheme, URIRef("http://data.europa.eu/esco/concept-scheme/isco")),
    ROME: (SKOS.inScheme, URIRef(SCHEME + "rome")),
    ROME_APP: (SKOS.inScheme, URIRef(SCHEME + "rome-appellations")),
    PCS2020: (SKOS.inScheme, URIRef(SCHEME + "pcs2020")),
    PCS2003: (SKOS.inScheme, URIRef(SCHEME + "pcs2003")),
}


def test_every_mapping_target_exists_in_the_reference_with_the_right_kind_and_label(reference):
    for name, m, ms in curated_records():
        target = ms.expand(m.object_id)
        namespace = max((ns for ns in KIND if str(target).startswith(ns)), key=len)
        prop, kind = KIND[namespace]
        assert (target, prop, kind) in reference, f"{name}:{m.line}: {target} is not a {kind} in data/reference"
        labels = {str(label) for label in reference.objects(target, SKOS.prefLabel) if label.language == "fr"}
        if not labels:  # a few ESCO skills have no French label; the record then names the English one
            labels = {str(label) for label in reference.objects(target, SKOS.prefLabel) if label.language == "en"}
        assert m.object_label in labels, f"{name}:{m.line}: object_label differs from the reference label"


def test_rome_and_pcs_codes_have_notation_equal_to_the_iri_code(reference):
    for namespace in (ROME, ROME_APP, PCS2020, PCS2003):
        nodes = {s for s in reference.subjects() if str(s).startswith(namespace)}
        assert nodes
        for node in nodes:
            assert reference.value(node, SKOS.notation) == Literal(str(node)[len(namespace):]), node


def test_esco_occupations_keep_isco_group_and_skills(reference):
    dba = URIRef(ESCO_OCC + "8c57af09-719c-42b3-be40-6ed4946236cc")
    assert reference.value(dba, SKOS.broader) == URIRef(ISCO + "2521")
    essentials = set(reference.objects(dba, ESCO.relatedEssentialSkill))
    assert len(essentials) > 10
    for skill in essentials:
        assert (skill, RDF.type, ESCO.Skill) in reference
        assert reference.value(skill, ESCO.skillType) is not None
    optional = set(reference.objects(dba, ESCO.relatedOptionalSkill))
    assert optional and not optional & essentials


def test_esco_relations_match_the_reference_csv(reference):
    csv_path = REPO.parent / "shared" / "reference" / "esco" / "esco_ict_occupation_skill_relations.csv"
    if not csv_path.is_file():
        pytest.skip("the shared reference folder is not on this machine")
    dba = ESCO_OCC + "8c57af09-719c-42b3-be40-6ed4946236cc"
    with csv_path.open(encoding="utf-8") as handle:
        expected = {(r["relationType"], r["skillUri"]) for r in csv.DictReader(handle) if r["occupationUri"] == dba}
    got = {("essential", str(o)) for o in reference.objects(URIRef(dba), ESCO.relatedEssentialSkill)}
    got |= {("optional", str(o)) for o in reference.objects(URIRef(dba), ESCO.relatedOptionalSkill)}
    assert got == expected


@pytest.mark.parametrize("path", sorted(REFERENCE.glob("*.ttl")), ids=lambda p: p.name)
def test_reference_files_have_a_header_and_a_source_and_licence(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ") and "Licence:" in text.split("\n\n", 1)[0]
    graph = Graph().parse(path)
    described = [s for s in graph.subjects(DCTERMS.license, None) if (s, DCTERMS.source, None) in graph]
    assert described, "no node with both dcterms:source and dcterms:license"


def test_rome_fiches_reach_their_domain_and_grand_domain(reference):
    m18 = URIRef(ROME + "M18")
    assert reference.value(URIRef(ROME + "M1894"), SKOS.broader) == URIRef(ROME + "M1801")
    assert reference.value(URIRef(ROME + "M1801"), SKOS.broader) == m18
    assert reference.value(m18, SKOS.broader) == URIRef(ROME + "M")
    assert str(reference.value(m18, SKOS.prefLabel)) == "Systèmes d'information et de télécommunication"


# --------------------------------------------------------------------------- the cookbook queries

@pytest.fixture(scope="module")
def store() -> ox.Store:
    """The repository's sources (no inference) in an Oxigraph store, one named graph each."""
    settings = load_settings(root=REPO)
    sources = load_sources(settings)
    store = ox.Store()
    for name, graph in sources.graphs.items():
        data = graph.serialize(format="nt", encoding="utf-8")
        store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(graph_iri(name))))
    return store


def run(store: ox.Store, name: str) -> list[dict[str, str]]:
    solutions = store.query((QUERIES / name).read_text(encoding="utf-8"), use_default_graph_as_union=True)
    variables = [v.value for v in solutions.variables]
    return [{v: row[v].value for v in variables if row[v] is not None} for row in solutions]


def test_every_link_query_starts_with_a_comment():
    for path in sorted(QUERIES.glob("links-*.rq")):
        assert path.read_text(encoding="utf-8").startswith("# "), path.name


def test_query_job_codes_gives_every_job_its_esco_isco_rome_and_pcs_codes(store):
    rows = {row["job"][len(JOB):]: row for row in run(store, "links-job-codes.rq")}
    assert sorted(rows) == sorted(JOB_SLUGS)
    dba = rows["administrateur-de-base-de-donnees"]
    assert dba["esco"] == "2521.1 database administrator"
    assert (dba["isco"], dba["rome"], dba["romeAppellations"]) == ("2521", "M1894", "10301")
    assert (dba["pcs2020"], dba["pcs2003"]) == ("38G3", "388b")
    for slug, row in rows.items():
        assert all(row.get(key) for key in ("esco", "isco", "rome", "pcs2020", "pcs2003")), slug


def test_query_rome_domain_m18_lists_the_it_jobs_and_not_the_sales_ones(store):
    rows = {row["job"][len(JOB):]: row["fiches"] for row in run(store, "links-rome-domain-m18.rq")}
    assert rows["administrateur-de-base-de-donnees"] == "M1894"
    assert rows["technicien-pilote-d-exploitation"] == "M1810"
    for outside in ("directeur-commercial", "responsable-marketing", "technicien-de-maintenance",
                    "superviseur-hot-line", "ingenieur-commercial", "chef-de-produit"):
        assert outside not in rows
    assert len(rows) == 29


def test_query_missing_essential_skills_lists_the_dba_occupations_unnamed_skills(store, reference):
    rows = run(store, "links-missing-essential-skills.rq")
    dba = URIRef(ESCO_OCC + "8c57af09-719c-42b3-be40-6ed4946236cc")
    essentials = {str(s) for s in reference.objects(dba, ESCO.relatedEssentialSkill)}
    got = {row["skill"] for row in rows}
    assert got <= essentials
    named = list(store.query("""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX rm: <https://w3id.org/refmetiers/def#>
        SELECT ?skill WHERE { <%s> rm:requiredKnowHow|rm:requiredKnowledge ?item .
          ?item skos:exactMatch|skos:closeMatch|skos:broadMatch|skos:narrowMatch|skos:relatedMatch ?skill }"""
                            % (JOB + "administrateur-de-base-de-donnees"), use_default_graph_as_union=True))
    named = {row["skill"].value for row in named}
    assert got == essentials - named
    # pinned: the sheet's "Gérer l'espace disque" (SF006) is linked to "balance database resources";
    # nothing on the sheet is linked to "create data models", an essential skill of the occupation.
    assert ESCO_SKILL + "9ba8fd27-275d-4bad-8c48-f668aa99a578" in essentials
    assert ESCO_SKILL + "9ba8fd27-275d-4bad-8c48-f668aa99a578" not in got
    assert {row["label"] for row in rows} >= {"create data models", "database management systems"}


def test_query_rome_v2_gives_each_quoted_code_its_rome4_fiche_and_reason(store):
    rows = run(store, "links-rome-v2.rq")
    assert [(r["romeV2"], r["rome4"]) for r in rows] == [
        ("32311", "M1810"), ("32331", "M1801"), ("52321", "M1816"), ("53221", "I1401")]
    assert rows[1]["predicate"] == str(SKOS.relatedMatch)
    assert all(r["justification"] == str(SEMAPV.ManualMappingCuration) for r in rows)
    assert all("reference/" in r["comment"] for r in rows)


def test_know_how_and_knowledge_links_go_to_esco_skills_and_their_subjects_exist():
    graph = Graph()
    for name in ("knowhow", "knowledge"):
        graph.parse(REPO / "data" / "schemes" / f"{name}.ttl")
    rows = [(ms.expand(m.subject_id), ms.expand(m.object_id)) for name, m, ms in curated_records()
            if name == "esco-skills.sssom.tsv"]
    assert len(rows) >= 80
    for subject, target in rows:
        assert (subject, RDF.type, URIRef("https://w3id.org/refmetiers/def#KnowHow")) in graph or \
            (subject, RDF.type, URIRef("https://w3id.org/refmetiers/def#Knowledge")) in graph, subject
        assert str(target).startswith(ESCO_SKILL)


# --------------------------------------------------------------------------- coverage (refmetiers stats)

def test_coverage_shows_every_job_type_linked_and_every_target_resolved(store):
    from refmetiers import coverage
    from refmetiers.namespaces import BASE

    result = coverage.compute(store, BASE)
    assert result.totals["job types"] == 41
    assert result.unresolved == []
    assert all(jobs == [] for jobs in result.jobs_missing.values()), result.jobs_missing
    lines = {line.vocabulary: line for line in result.vocabularies}
    for vocabulary in coverage.REQUIRED_FOR_JOBS:
        assert lines[vocabulary].linked["job types"] == 41, vocabulary
    assert lines["ROME 4.0 fiches"].linked["ROME v2 codes"] == 4
    skills = [m for name, m, _ in curated_records() if name == "esco-skills.sssom.tsv" and not m.negated]
    assert lines["ESCO skills"].records == len(skills)
    assert lines["ESCO skills"].linked["know-how"] == len({m.subject_id for m in skills if "knowhow/" in m.subject_id})
    assert lines["ESCO skills"].by_justification == {
        "semapv:LexicalMatching": sum(m.mapping_justification == "semapv:LexicalMatching" for m in skills),
        "semapv:ManualMappingCuration": sum(m.mapping_justification == "semapv:ManualMappingCuration" for m in skills)}
    assert lines["ISCO-08"].by_predicate == {"skos:broadMatch": 41}
    text = coverage.render_text(result)
    assert "ESCO occupations" in text and "41/41 job types" in text
    assert "unresolved targets (not in graph reference): 0" in text


def test_entailed_esco_to_rome_exact_matches_agree_with_the_france_travail_crosswalk(links):
    """A job exactMatch an ESCO occupation and a ROME appellation entails occupation exactMatch appellation:
    where the official crosswalk has a row for that pair, it must say exactMatch too."""
    path = REPO.parent / "shared" / "reference" / "crosswalks" / "esco_rome_mapping_FR_20230607_v1.4.csv"
    if not path.is_file():
        pytest.skip("the shared reference folder is not on this machine")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[16:]
    crosswalk = {(r[0], ROME_APP + r[2]): r[4] for r in rows}
    checked = 0
    for job in JOBS:
        exact = {o for s, p, o in links if s == job and p == SKOS.exactMatch}
        for occupation in (o for o in exact if str(o).startswith(ESCO_OCC)):
            for appellation in (o for o in exact if str(o).startswith(ROME_APP)):
                relation = crosswalk.get((str(occupation), str(appellation)))
                if relation is not None:
                    checked += 1
                    assert relation == "skos:exactMatch", (job, occupation, appellation, relation)
    assert checked >= 3


def test_build_reports_a_bad_mapping_file_with_file_and_line_and_exit_code_2(tmp_path):
    import os
    import shutil
    import subprocess
    import sys

    from conftest import make_root

    root = make_root(tmp_path, REPO / "tests" / "fixtures" / "build" / "data", with_shapes=False)
    (root / "data" / "mappings").mkdir(exist_ok=True)
    bad = root / "data" / "mappings" / "bad.sssom.tsv"
    shutil.copy(FIXTURES / "invalid" / "unknown_predicate.sssom.tsv", bad)
    result = subprocess.run([sys.executable, "-m", "refmetiers.cli", "build", "--root", str(root)],
                            capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert result.returncode == 2
    assert f"{bad}:16: unknown predicate 'owl:sameAs'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (root / "dist").exists()


def test_committed_reference_subset_is_what_the_generator_writes(tmp_path):
    """data/reference/ is generated: rerunning tools/build_reference.py gives the committed bytes."""
    import subprocess
    import sys

    shared = REPO.parent / "shared" / "reference"
    if not shared.is_dir():
        pytest.skip("the shared reference folder is not on this machine")
    result = subprocess.run([sys.executable, str(REPO / "tools" / "build_reference.py"), "--reference", str(shared),
                             "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    committed = sorted(p.name for p in REFERENCE.glob("*.ttl"))
    assert sorted(p.name for p in tmp_path.glob("*.ttl")) == committed
    for name in committed:
        assert (tmp_path / name).read_bytes() == (REFERENCE / name).read_bytes(), name
