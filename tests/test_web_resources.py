"""Dereferenceable IRIs: negotiation, ?format=, Vary, ETag/304, Link alternates, HEAD, 404/406, the job page."""

from __future__ import annotations

import html
import re

import pytest
import rdflib

from fixtures.web.support import BASE, app_client

DBA = BASE + "id/job/administrateur-de-base-de-donnees"
DBA_PATH = "/id/job/administrateur-de-base-de-donnees"
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
RM = rdflib.Namespace(BASE + "def#")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


pytestmark = pytest.mark.usefixtures("forget_language")


@pytest.mark.parametrize("accept,media_type,parser", [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("*/*", "text/turtle", "turtle"),
    (None, "text/turtle", "turtle"),
    ("application/ld+json;q=0.5, text/turtle;q=0.4", "application/ld+json", "json-ld"),
])
def test_rdf_by_accept(client, accept, media_type, parser):
    response = client.get(DBA_PATH, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    graph = rdflib.Graph().parse(data=response.content, format=parser)
    job = rdflib.URIRef(DBA)
    assert (job, SKOS.prefLabel, rdflib.Literal("Database administrator", lang="en")) in graph
    assert (job, RM.requiredKnowHow, rdflib.URIRef(BASE + "id/knowhow/SF002")) in graph
    # the labels of what it links to come along
    label = rdflib.Literal("Optimiser les requêtes", lang="fr")
    assert (rdflib.URIRef(BASE + "id/knowhow/SF002"), SKOS.prefLabel, label) in graph
    # and its #parts
    part = rdflib.URIRef(DBA + "#behaviour-1")
    assert (part, RM.level, rdflib.Literal(2)) in graph


def test_browser_gets_html(client):
    response = client.get(DBA_PATH, headers={"Accept": BROWSER})
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("name,media_type", [("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                                             ("nt", "application/n-triples"), ("rdf", "application/rdf+xml"),
                                             ("html", "text/html")])
def test_format_override_beats_accept(client, name, media_type):
    accept = BROWSER if name != "html" else "text/turtle"
    response = client.get(DBA_PATH, params={"format": name}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type


def test_unknown_format_is_400(client):
    response = client.get(DBA_PATH, params={"format": "yaml"})
    assert response.status_code == 400
    assert "yaml" in response.json()["message"]


def test_vary_etag_and_304(client):
    response = client.get(DBA_PATH, headers={"Accept": "text/turtle"})
    assert "Accept" in response.headers["vary"]
    tag = response.headers["etag"]
    cached = client.get(DBA_PATH, headers={"Accept": "text/turtle", "If-None-Match": tag})
    assert cached.status_code == 304 and cached.content == b""
    assert cached.headers["etag"] == tag
    weak = client.get(DBA_PATH, headers={"Accept": "text/turtle", "If-None-Match": f'"nope", W/{tag}'})
    assert weak.status_code == 304
    other = client.get(DBA_PATH, headers={"Accept": "application/ld+json", "If-None-Match": tag})
    assert other.status_code == 200 and other.headers["etag"] != tag


def test_link_header_lists_the_other_formats(client):
    response = client.get(DBA_PATH, headers={"Accept": "text/turtle"})
    links = response.headers["link"]
    for media_type in ("text/html", "application/ld+json", "application/n-triples", "application/rdf+xml"):
        assert f'type="{media_type}"' in links
    assert 'type="text/turtle"' not in links
    assert f"<{DBA_PATH}?format=jsonld>" in links


def test_head_has_headers_and_no_body(client):
    get = client.get(DBA_PATH, headers={"Accept": "text/turtle"})
    head = client.head(DBA_PATH, headers={"Accept": "text/turtle"})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-type"] == get.headers["content-type"]


@pytest.mark.parametrize("path", ["/id/job/nobody", "/id/knowhow/SF999", "/scheme/nothing", "/id/", "/id/job/%C3%A9"])
def test_unknown_iri_is_404(client, path):
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


def test_only_unserved_types_is_406(client):
    response = client.get(DBA_PATH, headers={"Accept": "image/png, application/pdf"})
    assert response.status_code == 406
    assert "text/turtle" in response.json()["message"]


def test_scheme_and_ontology_and_dataset(client):
    turtle = client.get("/scheme/jobs", headers={"Accept": "text/turtle"}).content
    scheme = rdflib.Graph().parse(data=turtle, format="turtle")
    top = rdflib.URIRef(BASE + "id/family/production")
    assert (rdflib.URIRef(BASE + "scheme/jobs"), SKOS.hasTopConcept, top) in scheme
    ontology = rdflib.Graph().parse(data=client.get("/def", headers={"Accept": "text/turtle"}).content, format="turtle")
    assert (rdflib.URIRef(BASE + "def"), rdflib.RDF.type, rdflib.OWL.Ontology) in ontology
    assert (RM.JobType, rdflib.RDF.type, rdflib.OWL.Class) in ontology  # the terms come with /def
    dataset = client.get("/dataset", headers={"Accept": "application/n-triples"})
    assert dataset.status_code == 200 and "Référentiel de test" in dataset.text


def text_of(page: str) -> str:
    return html.unescape(page)


def article(page: str) -> str:
    """The page's article, pictures left out."""
    body = page[page.index("<article"):page.index("</article>")]
    return re.sub(r"<figure.*?</figure>", "", body, flags=re.S)


def test_job_page_reads_like_its_sheet(client):
    page = text_of(client.get(DBA_PATH, headers={"Accept": BROWSER}).text)
    order = ["Administrateur de base de données", "Production", "Exploitation", "Description synthétique",
             "Il assure le fonctionnement optimal", "Appellations couramment utilisées", "Gestionnaire de données",
             "Activités principales", "Administrer les bases de données", "Activités accessoires",
             "Former les utilisateurs", "Savoir-faire spécifique", "Optimiser les requêtes",
             "Connaissances spécifiques", "Langage SQL", "Compétences comportementales", "Esprit d'entreprendre",
             "niveau 2", "Force de proposition", "Prérequis", "Une expérience de deux ans", "Bac+2", "niveau CEC 5",
             "Bac+5", "niveau CEC 7", "Variabilité et particularités", "Taille de l'entreprise",
             "Emplois-types de proximité", "Administrateur système", "Métiers du conseil", "Codes ROME",
             "Code ROME 32331", "Codes et liens vers d'autres référentiels", "Gestionnaire de base de données",
             "Déduit par la construction"]
    positions = [page.find(text) for text in order]
    assert all(p >= 0 for p in positions), [t for t, p in zip(order, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    # One language: the French page shows no English label, and says it is French
    assert '<html lang="fr">' in page
    for english in ("Tune queries", "SQL language", "Entrepreneurial spirit", "Database administrator"):
        assert english not in page


def test_job_page_in_english(client):
    page = text_of(client.get(DBA_PATH, params={"lang": "en"}, headers={"Accept": BROWSER}).text)
    assert '<html lang="en">' in page
    for english in ("Database administrator", "Tune queries", "SQL language", "Entrepreneurial spirit",
                    "Main activities", "Know-how", "Inferred by the build"):
        assert english in page, english
    assert "Optimiser les requêtes" not in page and "Activités principales" not in page
    # A text the data gives in French only keeps its language, marked
    assert '<p lang="fr">Il assure le fonctionnement optimal' in page


def test_job_page_shows_nothing_twice_and_keeps_inferred_facts_apart(client):
    page = client.get(DBA_PATH, headers={"Accept": BROWSER}).text
    body = article(page)
    hrefs = re.findall(r'href="(/id/[^"#?]+)"', body)
    repeated = sorted({h for h in hrefs if hrefs.count(h) > 1})
    assert repeated == [], repeated
    assert "Autres propriétés" not in body
    inferred = body[body.index('id="inferred"'):]
    asserted = body[:body.index('id="inferred"')]
    # the inverse and closure triples the build adds (skos:related, esco:relatedEssentialSkill …) repeat the
    # sheet and are not shown; what is left in the inferred block is new to the page
    assert "relatedEssentialSkill" not in body and "broaderTransitive" not in body
    assert "skos:Concept" in inferred and "skos:Concept" not in asserted


def test_job_page_links_every_concept_to_its_page(client):
    page = client.get(DBA_PATH, headers={"Accept": BROWSER}).text
    for path in ("/id/knowhow/SF001", "/id/knowledge/C001", "/id/activity/A001", "/id/education-level/bac2",
                 "/id/job/administrateur-systeme", "/id/subfamily/exploitation", "/id/rome-v2/32331",
                 "/id/rome/M1894", "/id/behaviour/CC1", "/id/factor/V001"):
        assert f'href="{path}"' in page, path
    assert 'href="http://data.europa.eu/esco/occupation/8c57af09-719c-42b3-be40-6ed4946236cc"' in page
    for path in ("/id/knowhow/SF001", "/id/rome/M1894", "/id/behaviour/CC1"):
        assert client.get(path, headers={"Accept": BROWSER}).status_code == 200


def test_concept_page_lists_the_jobs_that_need_it(client):
    page = text_of(client.get("/id/knowhow/SF001", headers={"Accept": BROWSER}).text)
    assert "Diagnostiquer un incident" in page and "Diagnose an incident" not in page
    assert "Cité par" in page
    for job in ("Administrateur de base de données", "Technicien d'exploitation", "Administrateur système"):
        assert job in page


def test_resource_is_served_under_a_configured_base(web_root, tmp_path_factory):
    # Tests may configure another base: the fixture's IRIs are not under it, so they are not found there.
    root = web_root
    with app_client(root, base_iri="http://example.org/rm/") as other:
        assert other.get(DBA_PATH, headers={"Accept": "text/turtle"}).status_code == 404


def test_published_labels_are_the_data_s_own_statements(client):
    graph = rdflib.Graph().parse(data=client.get(DBA_PATH, headers={"Accept": "text/turtle"}).content, format="turtle")
    # the labels of linked concepts travel with the description, exactly as stated …
    assert (RM.JobType, rdflib.RDFS.label, rdflib.Literal("Emploi-type", lang="fr")) in graph
    # … and none is invented (the ontology gives classes rdfs:label, never skos:prefLabel)
    assert (RM.JobType, SKOS.prefLabel, None) not in graph
    # who links to it is for the HTML page, not part of its description
    assert (rdflib.URIRef(BASE + "id/job/technicien-d-exploitation"), SKOS.prefLabel, None) in graph  # a nearby job
    assert (rdflib.URIRef(BASE + "id/job/technicien-support"), None, None) not in graph


def test_deprecated_concepts_carry_a_badge_and_their_successor():
    import pyoxigraph as ox

    from refmetiers.describe import describe
    from refmetiers.web import _templates
    from refmetiers.web.html import Tr
    from refmetiers.web.resources import View

    store, graph = ox.Store(), ox.NamedNode(BASE + "graph/referentiel")
    old, new, job = BASE + "id/knowhow/SF900", BASE + "id/knowhow/SF901", BASE + "id/job/test"

    def add(s, p, o):
        store.add(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), o, graph))

    owl, dcterms = "http://www.w3.org/2002/07/owl#", "http://purl.org/dc/terms/"
    add(old, str(rdflib.RDF.type), ox.NamedNode(str(RM.KnowHow)))
    add(old, str(SKOS.prefLabel), ox.Literal("Ancien savoir-faire", language="fr"))
    add(old, owl + "deprecated", ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")))
    add(old, dcterms + "isReplacedBy", ox.NamedNode(new))
    add(new, str(SKOS.prefLabel), ox.Literal("Nouveau savoir-faire", language="fr"))
    add(job, str(rdflib.RDF.type), ox.NamedNode(str(RM.JobType)))
    add(job, str(SKOS.prefLabel), ox.Literal("Emploi de test", language="fr"))
    add(job, str(RM.requiredKnowHow), ox.NamedNode(old))

    def page(iri):
        view = View(describe(store, iri, base=BASE), BASE, "fr")
        return view, _templates().get_template("resource.html").render(
            view=view, iri=iri, formats=[], pictures={}, lang="fr", tr=Tr("fr"), other_lang="en", switch="?lang=en",
            version="test", path="/")

    view, text = page(old)
    assert view.deprecated and [link.iri for link in view.replaced_by] == [new]
    assert '<span class="badge deprecated">obsolète</span>' in text
    assert "Remplacé par" in text and 'href="/id/knowhow/SF901">Nouveau savoir-faire</a>' in text
    assert "isReplacedBy" not in text and "deprecated</a>" not in text  # shown once, in the header
    _, text = page(job)
    assert re.search(r'href="/id/knowhow/SF900">Ancien savoir-faire</a> <span class="badge deprecated">', text)
