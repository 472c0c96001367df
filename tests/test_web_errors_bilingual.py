"""Every refusal the web gives says what to change in English and in French (issue 15): on /sparql as two lines
of text (what SPARQL clients print), elsewhere as ``message`` and ``message_fr`` in JSON."""

from __future__ import annotations

import pytest

from fixtures.web.support import BASE

JSON = {"Accept": "application/json"}


@pytest.mark.parametrize("params,status,english,french", [
    ({"query": "  "}, 400, "the query parameter is empty", "le paramètre query est vide"),
    ({"query": "ASK {}", "timeout": "soon"}, 400, "timeout='soon': give a number of seconds",
     "timeout='soon' : donnez un nombre de secondes"),
    ({"query": "ASK {}", "default-graph-uri": "relative"}, 400, "give an absolute IRI", "donnez un IRI absolu"),
    ({"update": "CLEAR ALL"}, 403, "the update operation is not accepted", "l'opération update n'est pas acceptée"),
    ({"query": "SELECT * { ?s <urn:service> ?o"}, 400, "mentions SERVICE", "mentionne SERVICE"),
])
def test_sparql_refusals_are_in_both_languages(client, params, status, english, french):
    response = client.get("/sparql", params=params)
    assert response.status_code == status
    lines = response.text.splitlines()
    assert len(lines) == 2 and english in lines[0] and french in lines[1], response.text


def test_a_sparql_post_of_another_type_is_refused_in_both_languages(client):
    response = client.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert "POST a query as" in response.text and "envoyez la requête en" in response.text


@pytest.mark.parametrize("path,params,status,english,french", [
    ("/id/job/nobody", {}, 404, f"no resource <{BASE}id/job/nobody>", "aucune ressource"),
    ("/dumps/nothing.ttl", {}, 404, "no file 'nothing.ttl' in the dumps", "aucun fichier 'nothing.ttl'"),
    ("/search", {"q": "x", "limit": "0"}, 400, "give a whole number from 1", "donnez un nombre entier de 1"),
    ("/compare", {"from": "nobody", "to": "developpeur"}, 400, "no job type of the reference",
     "aucun emploi-type du référentiel"),
    ("/id/job/developpeur", {"format": "yaml"}, 400, "format 'yaml' is not served here", "n'est pas servi ici"),
    ("/id/job/developpeur", [("format", "ttl"), ("format", "nt")], 400, "is given 2 times; give it once",
     "est donné 2 fois ; donnez-le une seule fois"),
    ("/no/such/route", {}, 404, "nothing is published at /no/such/route", "rien n'est publié"),
    ("/", {"lang": "de"}, 400, "choose fr or en", "choisissez fr ou en"),
])
def test_other_refusals_carry_a_french_message(client, path, params, status, english, french):
    response = client.get(path, params=params, headers=JSON)
    assert response.status_code == status
    body = response.json()
    assert english in body["message"] and french in body["message_fr"], body
