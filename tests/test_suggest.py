"""`refmetiers suggest-links`: label-similarity candidates, as SSSOM, never written over the curated sets."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from conftest import make_root
from refmetiers.config import load_settings
from refmetiers.errors import ConfigError
from refmetiers.sssom import mapping_set_to_graph, read_mapping_set
from refmetiers.suggest import check_output, normalize, score, suggest, suggest_links, to_mappings, variants

DATA = Path(__file__).resolve().parent / "fixtures" / "mappings" / "suggest" / "data"
KNOWHOW = "https://w3id.org/refmetiers/id/knowhow/"
SKILL = "http://data.europa.eu/esco/skill/"
MANAGE_DATABASE = URIRef(SKILL + "29fb0fb5-dfc4-4098-ac9b-3a712000f48f")
DATABASE = URIRef(SKILL + "43ae58b9-5e56-4524-b45a-b422777a0576")
SUPPLIER_ARRANGEMENTS = URIRef(SKILL + "c842be42-81b3-40f2-904c-ea8790ac88bd")


@pytest.fixture(scope="module")
def graph() -> Graph:
    graph = Graph()
    graph.parse(DATA / "schemes" / "knowhow.ttl")
    graph.parse(DATA / "reference" / "skills.ttl")
    graph += mapping_set_to_graph(DATA / "mappings" / "skills.sssom.tsv")
    return graph


@pytest.mark.parametrize("text,expected", [
    ("Administrer une BASE de données", "administrer une base de donnees"),
    ("  Gérer l'espace   disque ", "gerer l espace disque"),
    ("HTML, XML", "html xml"),
    ("Maîtriser C++ et C#", "maitriser c++ et c#"),
])
def test_normalize_ignores_case_accents_and_punctuation(text, expected):
    assert normalize(text) == expected


def test_variants_split_the_gendered_forms_of_esco_and_rome_labels():
    assert variants("administrateur de réseau/administratrice de réseau") == [
        "administrateur de réseau/administratrice de réseau", "administrateur de réseau", "administratrice de réseau"]
    assert variants("gérer une base de données") == ["gérer une base de données"]


def test_score_is_one_for_the_same_label_and_low_for_unrelated_ones():
    assert score(normalize("Gérer les Stocks"), normalize("gerer les stocks")) == 1.0
    assert score("gerer les stocks", "installer un pare feu") < 0.4
    assert score("de la", "du le") == 0.0  # stop words only: nothing to compare
    close = score("administrer une base de donnees", "gerer une base de donnees")
    assert 0.6 < close < 1.0


def test_suggest_skips_concepts_already_linked(graph):
    subjects = {str(c.subject) for c in suggest(graph, "skills", min_score=0.0, top=10)}
    assert KNOWHOW + "K1" not in subjects
    assert subjects == {KNOWHOW + "K2", KNOWHOW + "K3"}


def test_suggest_ranks_best_first_case_and_accent_insensitive(graph):
    candidates = [c for c in suggest(graph, "skills", min_score=0.5, top=5) if str(c.subject) == KNOWHOW + "K2"]
    assert [c.target for c in candidates] == [MANAGE_DATABASE, DATABASE]
    best = candidates[0]
    # the ESCO alternative label matches ours but for case: a perfect French score
    assert (best.score, best.lang, best.matched_target) == (1.0, "fr", "administrer une base de données")
    assert best.target_label == "gérer une base de données"  # the record names the preferred label
    assert candidates[1].score < 1.0


def test_suggest_uses_alternative_labels_on_both_sides(graph):
    [candidate] = [c for c in suggest(graph, "skills", min_score=0.5, top=5) if str(c.subject) == KNOWHOW + "K3"]
    assert candidate.target == SUPPLIER_ARRANGEMENTS
    assert candidate.matched_target == "négocier des contrats avec les fournisseurs"


def test_min_score_and_top_limit_the_candidates(graph):
    assert len([c for c in suggest(graph, "skills", min_score=0.5, top=1) if str(c.subject) == KNOWHOW + "K2"]) == 1
    assert all(c.score >= 0.9 for c in suggest(graph, "skills", min_score=0.9, top=5))
    assert [(str(c.subject), c.target) for c in suggest(graph, "skills", min_score=1.0, top=5)] == [
        (KNOWHOW + "K2", MANAGE_DATABASE)]


@pytest.mark.parametrize("kwargs,parameter", [
    ({"kind": "diplomas"}, "--kind"), ({"min_score": 1.5}, "--min-score"), ({"top": 0}, "--top"),
])
def test_bad_parameters_raise_a_config_error_naming_the_parameter(graph, kwargs, parameter):
    with pytest.raises(ConfigError, match=f"^{parameter}: "):
        suggest(graph, **kwargs)


def test_suggestions_are_valid_sssom_with_lexical_matching_and_similarity_score(graph, tmp_path):
    metadata, records = to_mappings(suggest(graph, "skills", 0.5, 3), "skills")
    from refmetiers.sssom import write_mapping_set

    path = tmp_path / "suggestions.sssom.tsv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_mapping_set(out, metadata, records)
    parsed = read_mapping_set(path)
    assert len(parsed.mappings) == 3
    first = parsed.mappings[0]
    assert (first.subject_id, first.object_id) == ("rmid:knowhow/K2", "escoskill:29fb0fb5-dfc4-4098-ac9b-3a712000f48f")
    assert (first.predicate_id, first.similarity_score, first.confidence) == ("skos:exactMatch", 1.0, None)
    assert first.mapping_tool == "refmetiers suggest-links" and first.similarity_measure
    assert all(m.mapping_justification == "semapv:LexicalMatching" for m in parsed.mappings)
    assert all(m.predicate_id == "skos:closeMatch" for m in parsed.mappings[1:])
    assert "not curated" in parsed.metadata["mapping_set_title"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_root(tmp_path, DATA)


def test_suggest_links_is_deterministic(root):
    settings = load_settings(root=root)
    outputs = []
    for _ in range(2):
        out = io.StringIO()
        assert suggest_links(settings, out, "skills", 0.5, 3) == 3
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]


def test_curated_mapping_folder_is_refused_as_output(root):
    settings = load_settings(root=root)
    curated = root / "data" / "mappings" / "skills.sssom.tsv"
    with pytest.raises(ConfigError, match="^--output: "):
        check_output(curated, settings)
    with pytest.raises(ConfigError):
        check_output(root / "data" / "mappings" / "new.sssom.tsv", settings)
    check_output(root / "suggestions.sssom.tsv", settings)  # elsewhere is fine


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "refmetiers.cli", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=120)


def test_cli_writes_the_suggestions_file_and_leaves_the_curated_set_alone(root):
    curated = root / "data" / "mappings" / "skills.sssom.tsv"
    before = curated.read_bytes()
    out = root / "suggestions.sssom.tsv"
    result = run_cli("suggest-links", "--root", str(root), "--min-score", "0.5", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert "3 candidate link(s) (skills)" in result.stderr
    assert [m.subject_id for m in read_mapping_set(out).mappings] == [
        "rmid:knowhow/K2", "rmid:knowhow/K2", "rmid:knowhow/K3"]
    assert curated.read_bytes() == before


def test_cli_refuses_to_write_into_the_curated_sets_with_exit_code_2(root):
    curated = root / "data" / "mappings" / "skills.sssom.tsv"
    before = curated.read_bytes()
    result = run_cli("suggest-links", "--root", str(root), "--output", str(curated))
    assert result.returncode == 2
    assert "--output:" in result.stderr and "curated" in result.stderr
    assert "Traceback" not in result.stderr
    assert curated.read_bytes() == before


def test_cli_reports_a_bad_target_file_with_its_name_and_exit_code_2(root):
    bad = root / "bad.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    result = run_cli("suggest-links", "--root", str(root), "--targets", str(bad))
    assert result.returncode == 2
    assert str(bad) in result.stderr and "Traceback" not in result.stderr


def test_occupations_kind_proposes_esco_occupations_for_job_types_without_one():
    graph = Graph().parse(data="""
        @prefix rm: <https://w3id.org/refmetiers/def#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        @prefix esco: <http://data.europa.eu/esco/model#> .
        <https://w3id.org/refmetiers/id/job/webmestre> a rm:JobType ; skos:prefLabel "Webmestre"@fr .
        <https://w3id.org/refmetiers/id/job/dba> a rm:JobType ; skos:prefLabel "Administrateur de base de données"@fr ;
            skos:closeMatch <http://data.europa.eu/esco/occupation/8c57af09-719c-42b3-be40-6ed4946236cc> .
        <http://data.europa.eu/esco/occupation/8c57af09-719c-42b3-be40-6ed4946236cc> a esco:Occupation ;
            skos:prefLabel "administrateur de base de données/administratrice de base de données"@fr .
        <http://data.europa.eu/esco/occupation/dc8ef7da-d2c0-4474-96a0-6d0385eeec1e> a esco:Occupation ;
            skos:prefLabel "webmestre"@fr .
        """, format="turtle")
    candidates = suggest(graph, "occupations", min_score=0.6, top=3)
    assert [(str(c.subject).rsplit("/", 1)[1], c.score) for c in candidates] == [("webmestre", 1.0)]


def test_a_rejected_suggestion_is_recorded_and_never_proposed_again(root):
    """The curator's loop: suggest, reject one pair in the review log (curation/, outside data/), suggest again."""
    from dataclasses import replace

    from refmetiers.sssom import write_mapping_set
    from refmetiers.suggest import REVIEW_FOLDER, rejected_pairs

    settings = load_settings(root=root)
    out = io.StringIO()
    suggest_links(settings, out, "skills", 0.5, 3)
    first = read_mapping_set(root / "s.sssom.tsv", out.getvalue())
    rejected = first.mappings[0]
    (root / REVIEW_FOLDER).mkdir()
    with (root / REVIEW_FOLDER / "skills-rejected.sssom.tsv").open("w", encoding="utf-8") as log:
        curie_map = first.curie_map | {"rmagent": "https://w3id.org/refmetiers/id/agent/"}
        write_mapping_set(log, first.metadata | {"curie_map": curie_map}, [replace(
            rejected, predicate_modifier="Not", mapping_justification="semapv:ManualMappingCuration",
            reviewer_id=("rmagent:team",), comment="Rejected on review: not the same skill.")])
    pair = (first.expand(rejected.subject_id), first.expand(rejected.object_id))
    assert rejected_pairs(settings) == {pair}
    again = io.StringIO()
    suggest_links(settings, again, "skills", 0.5, 3)
    second = read_mapping_set(root / "s.sssom.tsv", again.getvalue())
    pairs = {(second.expand(m.subject_id), second.expand(m.object_id)) for m in second.mappings}
    assert pair not in pairs
    assert {(first.expand(m.subject_id), first.expand(m.object_id)) for m in first.mappings[1:]} <= pairs
    # the log is a valid SSSOM set of negative mappings, and the build never publishes it (it is not under data/)
    log = read_mapping_set(root / REVIEW_FOLDER / "skills-rejected.sssom.tsv")
    assert [m.negated for m in log.mappings] == [True]


def test_the_projects_review_log_is_negative_mappings_each_with_its_reason_and_reviewer():
    from refmetiers.suggest import REVIEW_FOLDER

    log = read_mapping_set(Path(__file__).resolve().parents[1] / REVIEW_FOLDER / "esco-skills-rejected.sssom.tsv")
    assert len(log.mappings) > 100
    for m in log.mappings:
        assert m.negated and m.reviewer_id == ("rmagent:team",) and m.similarity_score is not None
        assert m.comment.startswith("Rejected on review") and m.mapping_tool == "refmetiers suggest-links"
