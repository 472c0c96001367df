"""Shared fixtures: a tiny reference root assembled from the repository's ontology and shapes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# The Java and Node clients run under `make test-clients` (which installs them), not in every `make test`.
collect_ignore = [] if os.environ.get("REFMETIERS_REQUIRE_CLIENTS") == "1" else ["clients"]
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# The 41 job type slugs the issue fixed (DESIGN.md §2): IRIs …/id/job/{slug}, never changed.
JOB_SLUGS = """
administrateur-de-base-de-donnees administrateur-de-reseaux-d-entreprise administrateur-de-site
analyste-d-exploitation analyste-fonctionnel architecte-des-systemes-d-information architecte-technique
assistant-chef-de-projet chef-de-produit chef-de-projet consultant-en-assistance-a-la-maitrise-d-ouvrage
consultant-en-conduite-du-changement consultant-en-technologie developpeur directeur-commercial
directeur-de-production directeur-de-projet directeur-des-etudes directeur-des-systemes-d-information
directeur-technique gestionnaire-de-configuration gestionnaire-de-parc-micro-informatique
ingenieur-administrateur-systeme-et-reseaux ingenieur-commercial ingenieur-deploiement-reseaux
ingenieur-integration ingenieur-qualite-methodes-ingenieur-validation ingenieur-securite
ingenieur-technico-commercial integrateur-d-exploitation integrateur-web manager-de-ressources
responsable-de-compte responsable-marketing responsable-technique-de-compte technicien-de-maintenance
technicien-pilote-d-exploitation technicien-reseaux superviseur-hot-line support-technique
vendeur-de-solution-informatique
""".split()


def make_root(tmp: Path, data: Path, with_shapes: bool = True) -> Path:
    """A repository-shaped folder: the real ontology (and shapes), and the given data folder."""
    root = tmp / "root"
    shutil.copytree(REPO / "ontology", root / "ontology")
    if with_shapes and (REPO / "shapes").is_dir():
        shutil.copytree(REPO / "shapes", root / "shapes")
    else:
        (root / "shapes").mkdir()
    shutil.copytree(data, root / "data")
    return root


@pytest.fixture
def fixture_root(tmp_path: Path) -> Path:
    """The build fixture (tests/fixtures/build) as a repository root, without shapes."""
    return make_root(tmp_path, FIXTURES / "build" / "data", with_shapes=False)


@pytest.fixture(scope="session", autouse=True)
def _cache_in_the_session(tmp_path_factory):
    """What refmetiers keeps between runs (inference rules) goes to a folder of the test session."""
    import os

    previous = os.environ.get("REFMETIERS_CACHE_DIR")
    os.environ["REFMETIERS_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        os.environ.pop("REFMETIERS_CACHE_DIR", None)
    else:
        os.environ["REFMETIERS_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def web_root(tmp_path_factory) -> Path:
    """The web fixture (tests/fixtures/web/data) built once for the session; a test that changes it copies it first."""
    from fixtures.web.support import build_fixture

    return build_fixture(tmp_path_factory.mktemp("web-fixture"))


@pytest.fixture(scope="session")
def released_root(tmp_path_factory) -> Path:
    """Two fixture releases (tests/fixtures/releases) cut once for the session: 0.1.0, then 0.2.0 with the change
    set 0.1.0 → 0.2.0 (graph ``changes``). Read only."""
    from test_releases import cut_fixture_releases

    return cut_fixture_releases(tmp_path_factory.mktemp("releases"))


@pytest.fixture(scope="module")
def client(web_root):
    """A client of the app over the web fixture, one per test module (a module that needs another app, or other
    limits, defines its own ``client``)."""
    from fixtures.web.support import app_client

    with app_client(web_root) as test_client:
        yield test_client


@pytest.fixture
def forget_language(client):
    """``?lang=`` sets a cookie on the module's client: a test of a module that marks itself with
    ``pytest.mark.usefixtures("forget_language")`` starts without it."""
    yield
    client.cookies.clear()
