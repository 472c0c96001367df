"""Releases (issue 11): cut two fixture releases whose differences are known exactly, and check the
release folder, the diff in every output, the guard against lost or reused IRIs, and the CHANGELOG."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

from conftest import FIXTURES, REPO, make_root
from refmetiers import catalogue, releases
from refmetiers.changes import KGCL
from refmetiers.config import load_settings
from refmetiers.errors import ConfigError
from refmetiers.namespaces import DCAT, RM, SPDX
from refmetiers.releasing import cut, diff

BASE = "https://w3id.org/refmetiers/"
ID = BASE + "id/"
V1, V2 = FIXTURES / "releases" / "v1" / "data", FIXTURES / "releases" / "v2" / "data"
GIT_ENV = {"GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_COMMITTER_NAME": "test",
           "GIT_COMMITTER_EMAIL": "test@example.org"}

# What v1 → v2 changes (tests/fixtures/releases/README.md): (KGCL type, category, subject, property, old, new).
EXPECTED = {
    ("NodeCreation", "concept-added", ID + "activity/A004", str(RDF.type), None, "Superviser les sauvegardes"),
    ("NodeObsoletionWithDirectReplacement", "concept-deprecated", ID + "activity/A002", str(OWL.deprecated), None,
     None),
    ("NodeRename", "relabelled", ID + "job/alpha", str(SKOS.prefLabel), "Administrateur alpha",
     "Administrateur alpha et oméga"),
    ("NewSynonym", "synonym-added", ID + "job/alpha", str(SKOS.altLabel), None, "Admin alpha"),
    ("RemoveSynonym", "synonym-removed", ID + "job/beta", str(SKOS.altLabel), "Conseiller bêta", None),
    ("NodeMove", "moved", ID + "activity/A002", str(SKOS.broader), ID + "activity/A003", ID + "activity/A001"),
    ("TextDefinitionReplacement", "definition-changed", ID + "job/alpha", str(SKOS.definition), "Il administre.",
     "Il administre les systèmes alpha."),
    ("NewTextDefinition", "definition-changed", ID + "job/beta", str(SKOS.definition), None, "Advises."),
    ("MappingPredicateChange", "link-predicate-changed", ID + "job/alpha", str(SKOS.exactMatch),
     str(SKOS.closeMatch), str(SKOS.exactMatch)),
    ("NewMapping", "link-added", ID + "job/alpha", str(SKOS.broadMatch), None, ID + "rome/M1801"),
    ("RemoveMapping", "link-removed", ID + "job/beta", str(SKOS.closeMatch), "http://data.europa.eu/esco/isco/C2511",
     None),
    ("EdgeCreation", "sheet-item-added", ID + "job/alpha", str(RM.mainActivity), None, ID + "activity/A004"),
    ("EdgeDeletion", "sheet-item-removed", ID + "job/alpha", str(RM.secondaryActivity), ID + "activity/A001", None),
    ("NodeAnnotationChange", "other", ID + "job/alpha", str(SKOS.editorialNote), None, "Relabelled in 0.2.0."),
}


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def replace_data(root: Path, data: Path) -> None:
    """Put ``data`` in place of the root's data/, keeping the release facts (data/metadata/release.ttl)."""
    release_file = root / "data" / releases.RELEASE_FILE
    kept = release_file.read_text(encoding="utf-8") if release_file.is_file() else None
    shutil.rmtree(root / "data")
    shutil.copytree(data, root / "data")
    if kept is not None:
        release_file.write_text(kept, encoding="utf-8")


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def cut_fixture_releases(tmp: Path) -> Path:
    """A git repository where v1 was released as 0.1.0 and v2 as 0.2.0 (with --commit: commit and tag)."""
    root = make_root(tmp, V1, with_shapes=False)
    shutil.copytree(REPO / "queries", root / "queries")
    (root / ".gitignore").write_text("/dist/\n", encoding="utf-8")  # as the project's own
    git(root, "init", "-q")
    commit_all(root, "v1")
    settings = load_settings(root=root)
    cut(settings, "0.1.0", today=dt.date(2026, 12, 6))
    commit_all(root, "release 0.1.0")
    replace_data(root, V2)
    commit_all(root, "v2")
    old_env = {key: os.environ.get(key) for key in GIT_ENV}
    os.environ.update(GIT_ENV)
    try:
        cut(settings, "0.2.0", today=dt.date(2026, 12, 20), commit=True)
    finally:
        for key, value in old_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return root


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    return cut_fixture_releases(tmp_path_factory.mktemp("releases"))


def as_tuples(changes_json: dict) -> set[tuple]:
    def text(value):
        return None if value is None else value["text"]

    return {(c["type"], c["category"], c["subject"], c["property"], text(c["old"]), text(c["new"]))
            for c in changes_json["changes"]}


def test_the_diff_lists_exactly_the_known_changes(released):
    body = json.loads((released / "releases" / "0.2.0" / "changes.json").read_text(encoding="utf-8"))
    assert as_tuples(body) == EXPECTED
    assert (body["from"], body["to"], body["issued"]) == ("0.1.0", "0.2.0", "2026-12-20")
    deprecated = next(c for c in body["changes"] if c["category"] == "concept-deprecated")
    assert deprecated["replacement"] == ID + "activity/A004"
    rename = next(c for c in body["changes"] if c["type"] == "NodeRename")
    assert rename["language"] == "fr" and rename["kgcl"] == (
        "rename rmid:job/alpha from 'Administrateur alpha'@fr to 'Administrateur alpha et oméga'@fr")
    link = next(c for c in body["changes"] if c["type"] == "MappingPredicateChange")
    assert link["target"] == "http://data.europa.eu/esco/occupation/00000000-0000-0000-0000-00000000aaaa"
    assert link["kgcl"] == ("change relationship between rmid:job/alpha and esco-occupation:00000000-0000-0000-0000-"
                            "00000000aaaa from skos:closeMatch to skos:exactMatch")
    assert body["links_by_vocabulary"] == {"esco-occupation": {"link-predicate-changed": 1},
                                           "isco": {"link-removed": 1}, "rome": {"link-added": 1}}


def test_the_release_folder_holds_gzipped_dumps_void_checksums_and_the_diff(released):
    folder = released / "releases" / "0.2.0"
    names = {p.name for p in folder.iterdir()}
    assert {"refmetiers.nq.gz", "refmetiers.ttl.gz", "refmetiers-full.nt.gz", "context.jsonld",
            "validation-report.ttl", "void.ttl", "SHA256SUMS", "changes.ttl", "changes.json", "changes.md"} <= names
    assert not any(name.endswith((".ttl", ".nt", ".nq", ".jsonld", ".rdf", ".trig")) and name not in
                   ("void.ttl", "validation-report.ttl", "changes.ttl", "context.jsonld") for name in names)
    sums = dict(reversed(line.split("  ")) for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == names - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    void = Graph().parse(folder / "void.ttl")
    release = URIRef(BASE + "dataset/0.2.0")
    assert str(void.value(release, DCAT.version)) == "0.2.0"
    assert str(void.value(release, DCTERMS.issued)) == "2026-12-20"
    distribution = URIRef(BASE + "dumps/0.2.0/refmetiers.nq.gz")
    assert (release, DCAT.distribution, distribution) in void
    checksum = void.value(distribution, SPDX.checksum)
    assert str(void.value(checksum, SPDX.checksumValue)) == sums["refmetiers.nq.gz"]


def test_a_rebuild_of_the_released_sources_gives_the_release_byte_for_byte(released, tmp_path):
    from refmetiers.build import build
    settings = load_settings(root=released, dist_dir=tmp_path / "dist")
    build(settings)
    cut_dump = released / "releases" / "0.2.0" / catalogue.QUADS_DUMP
    assert (settings.dist / catalogue.QUADS_DUMP).read_bytes() == cut_dump.read_bytes()
    assert catalogue.data_version(settings.dist, settings.releases_dir) == "0.2.0"
    edited = (V2 / "jobs" / "beta.ttl").read_text(encoding="utf-8").replace("Advises.", "Advises clients.")
    (released / "data" / "jobs" / "beta.ttl").write_text(edited, encoding="utf-8")
    try:
        build(settings)
        shown = catalogue.data_version(settings.dist, settings.releases_dir)
        assert shown.startswith("0.2.0+") and len(shown) == len("0.2.0+") + 12  # a working build, not the release
    finally:
        git(released, "checkout", "--", "data/jobs/beta.ttl")


def test_the_release_model_lives_in_one_file_and_the_ontology_gets_its_version_iri(released):
    text = (released / "data" / "metadata" / "release.ttl").read_text(encoding="utf-8")
    assert 'dcat:version "0.2.0"' in text
    assert 'dcterms:issued "2026-12-06"^^xsd:date' in text  # first issued with 0.1.0
    assert 'dcterms:modified "2026-12-20"^^xsd:date' in text
    graphs = releases.read_quads(released / "releases" / "0.2.0" / "refmetiers.nq.gz", BASE)
    assert (URIRef(BASE + "def"), OWL.versionIRI, URIRef(BASE + "def/0.2.0")) in graphs["ontology"]
    old = releases.read_quads(released / "releases" / "0.1.0" / "refmetiers.nq.gz", BASE)
    assert (URIRef(BASE + "def"), OWL.versionIRI, URIRef(BASE + "def/0.1.0")) in old["ontology"]


def test_the_change_set_is_kgcl_rdf_and_is_in_the_endpoint_graph_of_the_release(released):
    change_set = Graph().parse(released / "releases" / "0.2.0" / "changes.ttl")
    renames = list(change_set.subjects(RDF.type, KGCL.NodeRename))
    assert len(renames) == 1
    rename = renames[0]
    assert str(rename).startswith(BASE + "changes/0.1.0/0.2.0#")
    assert change_set.value(rename, KGCL.about_node) == URIRef(ID + "job/alpha")
    assert change_set.value(rename, KGCL.predicate) == SKOS.prefLabel
    assert change_set.value(rename, KGCL.old_value) == Literal("Administrateur alpha", lang="fr")
    assert change_set.value(rename, KGCL.new_value) == Literal("Administrateur alpha et oméga", lang="fr")
    assert change_set.value(rename, RM.fromVersion) == URIRef(BASE + "dataset/0.1.0")
    assert change_set.value(rename, RM.toVersion) == URIRef(BASE + "dataset/0.2.0")
    assert len(set(change_set.subjects(RM.toVersion, URIRef(BASE + "dataset/0.2.0")))) == len(EXPECTED) + 1
    # The release's own N-Quads carry the change set in graph `changes`, so the endpoint can query it.
    dataset = Dataset()
    dataset.parse(data=gzip.decompress((released / "releases" / "0.2.0" / "refmetiers.nq.gz").read_bytes()).decode(),
                  format="nquads")
    in_graph = dataset.graph(URIRef(BASE + "graph/changes"))
    assert (rename, KGCL.about_node, URIRef(ID + "job/alpha")) in in_graph


def test_changelog_and_git_tag(released):
    changelog = (released / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index("## 0.2.0 — 2026-12-20") < changelog.index("## 0.1.0 — 2026-12-06")
    assert "- Preferred labels changed: 1" in changelog and "First release" in changelog
    assert git(released, "tag", "--list").split() == ["data-0.2.0"]
    assert git(released, "status", "--porcelain").strip() == ""  # --commit committed every release file
    assert "Release data 0.2.0" in git(released, "log", "-1", "--format=%s")


def run_cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "refmetiers.cli", *args, "--root", str(root)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, **GIT_ENV})


def test_diff_command_between_releases_in_every_format(released):
    markdown = run_cli(released, "diff", "0.1.0", "0.2.0")
    assert markdown.returncode == 0, markdown.stderr
    assert "# Changes from 0.1.0 to 0.2.0" in markdown.stdout
    assert "- Concepts deprecated: 1" in markdown.stdout and "| isco | 0 | 1 | 0 |" in markdown.stdout
    french = run_cli(released, "diff", "0.1.0", "0.2.0", "--lang", "fr")
    assert "# Changements de 0.1.0 à 0.2.0" in french.stdout and "- Concepts dépréciés : 1" in french.stdout
    kgcl_lines = run_cli(released, "diff", "0.1.0", "0.2.0", "--format", "kgcl").stdout.splitlines()
    assert len(kgcl_lines) == len(EXPECTED)
    assert "obsolete rmid:activity/A002 with replacement rmid:activity/A004" in kgcl_lines
    assert "move rmid:activity/A002 skos:broader rmid:activity/A003 from rmid:activity/A003 to rmid:activity/A001" \
        in kgcl_lines
    as_json = json.loads(run_cli(released, "diff", "0.1.0", "0.2.0", "--format", "json").stdout)
    assert as_tuples(as_json) == EXPECTED
    as_ttl = Graph().parse(data=run_cli(released, "diff", "0.1.0", "0.2.0", "--format", "ttl").stdout, format="turtle")
    assert as_ttl.isomorphic(Graph().parse(released / "releases" / "0.2.0" / "changes.ttl"))
    assert len(set(as_ttl.subjects(RM.toVersion, URIRef(BASE + "dataset/0.2.0")))) == len(EXPECTED) + 1


def test_working_tree_with_a_removed_concept_diff_says_so_and_release_is_refused(released, tmp_path):
    root = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(released), str(root))
    activities = root / "data" / "schemes" / "activities.ttl"
    text = activities.read_text(encoding="utf-8")
    start = text.index("<https://w3id.org/refmetiers/id/knowhow/SF001>")
    activities.write_text(text[:start], encoding="utf-8")
    alpha = root / "data" / "jobs" / "alpha.ttl"
    alpha.write_text(alpha.read_text(encoding="utf-8").replace(
        "    rm:requiredKnowHow <https://w3id.org/refmetiers/id/knowhow/SF001> ;\n", ""), encoding="utf-8")
    shutil.copytree(released / "releases", root / "releases", dirs_exist_ok=True)

    done = run_cli(root, "diff", "0.2.0", "working", "--format", "kgcl")
    assert done.returncode == 1
    assert "delete rmid:knowhow/SF001" in done.stdout
    assert "delete edge rmid:job/alpha rm:requiredKnowHow rmid:knowhow/SF001" in done.stdout
    assert ID + "knowhow/SF001" in done.stderr

    dirty = run_cli(root, "release", "0.3.0")
    assert dirty.returncode == 2 and "uncommitted" in dirty.stderr and "activities.ttl" in dirty.stderr
    commit_all(root, "remove SF001")
    before = {p.name for p in (root / "releases").iterdir()}
    release_text = (root / "data" / "metadata" / "release.ttl").read_text(encoding="utf-8")
    refused = run_cli(root, "release", "0.3.0")
    assert refused.returncode == 1
    assert f"<{ID}knowhow/SF001>" in refused.stderr and "owl:deprecated" in refused.stderr
    assert {p.name for p in (root / "releases").iterdir()} == before  # nothing left behind
    assert (root / "data" / "metadata" / "release.ttl").read_text(encoding="utf-8") == release_text


def test_a_release_never_changes_once_cut_and_versions_only_go_up(released):
    settings = load_settings(root=released)
    with pytest.raises(ConfigError, match="already exists"):
        cut(settings, "0.2.0", allow_dirty=True)
    with pytest.raises(ConfigError, match="not after the last one"):
        cut(settings, "0.1.5", allow_dirty=True)
    with pytest.raises(ConfigError, match="MAJOR.MINOR.PATCH"):
        cut(settings, "0.3", allow_dirty=True)


def test_diff_of_an_unknown_release_is_a_clear_error(released):
    done = run_cli(released, "diff", "0.1.0", "9.9.9")
    assert done.returncode == 2
    assert "no release 9.9.9" in done.stderr and "0.1.0, 0.2.0" in done.stderr and "Traceback" not in done.stderr


def test_diff_reads_back_its_published_json(released):
    settings = load_settings(root=released)
    change_set = diff(settings, "0.1.0", "0.2.0")
    assert change_set.issued == "2026-12-20"
    assert {(c.type, c.subject) for c in change_set.changes} == {(e[0], e[2]) for e in EXPECTED}


# --------------------------------------------------------------------------------------------------
# The continuity guard on graphs: a code or an IRI reused for another meaning, named
# --------------------------------------------------------------------------------------------------

def _graphs(*triples) -> dict[str, Graph]:
    referentiel = Graph()
    for triple in triples:
        referentiel.add(triple)
    return {"referentiel": referentiel}


def test_guard_names_a_code_reused_by_another_concept():
    scheme, a1, a2 = URIRef(BASE + "scheme/activities"), URIRef(ID + "activity/A1"), URIRef(ID + "activity/A2")
    old = _graphs((a1, RDF.type, RM.Activity), (a1, SKOS.inScheme, scheme), (a1, SKOS.notation, Literal("A1")))
    new = _graphs((a1, RDF.type, RM.Activity), (a1, SKOS.inScheme, scheme), (a1, OWL.deprecated, Literal(True)),
                  (a2, RDF.type, RM.Activity), (a2, SKOS.inScheme, scheme), (a2, SKOS.notation, Literal("A1")))
    breaches = releases.continuity_breaches(old, new, BASE)
    assert [b.iri for b in breaches] == [str(a2)]
    assert "'A1'" in breaches[0].reason_en


def test_guard_names_an_iri_that_changes_kind_or_scheme():
    a1 = URIRef(ID + "activity/A1")
    old = _graphs((a1, RDF.type, RM.Activity), (a1, SKOS.inScheme, URIRef(BASE + "scheme/activities")))
    new = _graphs((a1, RDF.type, RM.KnowHow), (a1, SKOS.inScheme, URIRef(BASE + "scheme/knowhow")))
    reasons = [b.reason_en for b in releases.continuity_breaches(old, new, BASE)]
    assert len(reasons) == 2
    assert "no longer of type" in reasons[0] and "left the scheme" in reasons[1]


def test_guard_names_a_mapping_record_reused_for_another_pair():
    record, job = URIRef(ID + "mapping/rome/0001"), URIRef(ID + "job/alpha")
    old = {"mappings": Graph()}
    old["mappings"].add((record, OWL.annotatedSource, job))
    old["mappings"].add((record, OWL.annotatedTarget, URIRef(ID + "rome/M1801")))
    new = {"mappings": Graph()}
    new["mappings"].add((record, OWL.annotatedSource, job))
    new["mappings"].add((record, OWL.annotatedTarget, URIRef(ID + "rome/M1802")))
    breaches = releases.continuity_breaches(old, new, BASE)
    assert [b.iri for b in breaches] == [str(record)] and "record_id" in breaches[0].reason_en


def test_deprecation_is_no_breach():
    a1 = URIRef(ID + "activity/A1")
    old = _graphs((a1, RDF.type, RM.Activity))
    new = _graphs((a1, RDF.type, RM.Activity), (a1, OWL.deprecated, Literal(True)))
    assert releases.continuity_breaches(old, new, BASE) == []


def test_last_published_iris_are_those_of_the_newest_release(released):
    version, iris = releases.last_published_iris(released / "releases", BASE)
    assert version == "0.2.0"
    assert {URIRef(ID + "activity/A002"), URIRef(ID + "activity/A004"), URIRef(ID + "job/alpha"),
            URIRef(BASE + "def"), URIRef(BASE + "dataset")} <= iris
    assert not any(str(iri).startswith("http://data.europa.eu/") for iri in iris)
    assert releases.last_published_iris(released / "nothing-here", BASE) == (None, set())


def test_the_published_job_check_knows_the_jobs_of_the_last_release(released, tmp_path):
    from refmetiers.build import published_job_types

    settings = load_settings(root=released, dist_dir=tmp_path / "never-built")
    jobs = published_job_types(settings)
    assert jobs is not None
    assert set(jobs.subjects(RDF.type, RM.JobType)) == {URIRef(ID + "job/alpha"), URIRef(ID + "job/beta")}


def test_guard_lets_a_property_lose_a_characteristic_but_not_its_kind():
    nearby = URIRef(BASE + "def#nearbyJob")
    old = {"ontology": Graph()}
    old["ontology"].add((nearby, RDF.type, OWL.ObjectProperty))
    old["ontology"].add((nearby, RDF.type, OWL.SymmetricProperty))
    corrected = {"ontology": Graph()}
    corrected["ontology"].add((nearby, RDF.type, OWL.ObjectProperty))
    assert releases.continuity_breaches(old, corrected, BASE) == []
    other_kind = {"ontology": Graph()}
    other_kind["ontology"].add((nearby, RDF.type, OWL.Class))
    assert [b.iri for b in releases.continuity_breaches(old, other_kind, BASE)] == [str(nearby)]
