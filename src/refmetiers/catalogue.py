"""What the endpoint reads of a build and of the releases cut (``releases/X.Y.Z/``): the version of a build, the
catalogue of releases, the names, media types and checksums of the published files. With pyoxigraph alone, so that
serving imports no rdflib (``dumps.py`` writes the files, ``releases.py`` cuts, describes and compares releases).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from . import formats, store
from .errors import ConfigError
from .namespaces import PREFIXES

QUADS_DUMP = "refmetiers.nq.gz"  # what a release keeps of every named graph
CHECKSUMS_FILE = "SHA256SUMS"
VOID_FILE = "void.ttl"
CHANGES_STEM = "changes"  # releases/X.Y.Z/changes.{ttl,json,md}: the diff from the previous release
_VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
_DCAT_VERSION = ox.NamedNode(PREFIXES["dcat"] + "version")
_ISSUED = ox.NamedNode(PREFIXES["dcterms"] + "issued")


def release_iri(base: str, version: str) -> str:
    """The IRI of release ``version`` (a ``dcat:Dataset``, version of ``{base}dataset``)."""
    return f"{base}dataset/{version}"


def parse_version(text: str) -> tuple[int, int, int]:
    """``"1.2.3"`` → ``(1, 2, 3)``.

    Raises:
        ConfigError: ``text`` is not MAJOR.MINOR.PATCH (numbers without leading zeros).
    """
    match = _VERSION.match(text or "")
    if not match:
        raise ConfigError(f"version {text!r}: expected MAJOR.MINOR.PATCH, e.g. 0.2.0 "
                          f"(version attendue sous la forme MAJEURE.MINEURE.CORRECTIF)")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


UNRELEASED = "0.0.0"  # the version of sources that state none (test fixtures, outside files)


def versions(releases_dir: Path) -> list[str]:
    """The versions cut so far (folders of ``releases_dir`` holding a dump), oldest first."""
    found = []
    if Path(releases_dir).is_dir():
        for folder in Path(releases_dir).iterdir():
            if folder.is_dir() and _VERSION.match(folder.name) and (folder / QUADS_DUMP).is_file():
                found.append(folder.name)
    return sorted(found, key=parse_version)


def latest(releases_dir: Path, before: str | None = None) -> str | None:
    """The newest version cut (older than ``before`` when given), or ``None``."""
    cut = versions(releases_dir)
    if before is not None:
        cut = [v for v in cut if parse_version(v) < parse_version(before)]
    return cut[-1] if cut else None


def dataset_version_of(dist: Path) -> str | None:
    """The dataset version a build states (dcat:version of the dataset in its void.ttl)."""
    path = Path(dist) / VOID_FILE
    if not path.is_file():
        return None
    values = sorted(t.object.value for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
                    if t.predicate == _DCAT_VERSION and t.subject.value.endswith("/dataset"))
    return values[0] if values else None


def data_version(dist: Path, releases_dir: Path) -> str:
    """The data version to show: ``X.Y.Z`` when ``dist`` holds exactly release X.Y.Z, else ``X.Y.Z+FINGERPRINT``.

    Both parts come from the content (the version stated in the data, the checksums of the dumps), so
    identical sources show the same version, and a working build never passes for a release.
    """
    fingerprint = store.data_version(dist)
    version = dataset_version_of(dist) or UNRELEASED
    built, cut = Path(dist) / QUADS_DUMP, Path(releases_dir) / version / QUADS_DUMP
    if built.is_file() and cut.is_file() and built.read_bytes() == cut.read_bytes():
        return version
    return f"{version}+{fingerprint[:12]}"


@dataclass(frozen=True)
class CutRelease:
    """A release as the catalogue lists it: version, date, predecessor, and the counts of its diff."""

    version: str
    issued: str | None
    previous: str | None
    counts: dict[str, int]
    folder: Path

    @property
    def has_changes(self) -> bool:
        return (self.folder / f"{CHANGES_STEM}.json").is_file()


def catalogue(releases_dir: Path, base: str) -> list[CutRelease]:
    """Every release cut, newest first, read from its own files (void.ttl, changes.json)."""
    found = []
    cut = versions(releases_dir)
    for index, version in enumerate(cut):
        folder = Path(releases_dir) / version
        issued = None
        void = folder / VOID_FILE
        if void.is_file():
            subject = ox.NamedNode(release_iri(base, version))
            issued = next((t.object.value for t in ox.parse(path=str(void), format=ox.RdfFormat.TURTLE)
                           if t.subject == subject and t.predicate == _ISSUED), None)
        counts: dict[str, int] = {}
        changes_file = folder / f"{CHANGES_STEM}.json"
        if changes_file.is_file():
            counts = json.loads(changes_file.read_text(encoding="utf-8")).get("counts", {})
        found.append(CutRelease(version, issued, cut[index - 1] if index else None, counts, folder))
    return list(reversed(found))


def sha256(path: Path) -> str:
    with open(path, "rb") as opened:
        return sha256_of(opened)


def sha256_of(file: io.BufferedReader) -> str:
    """The SHA-256 of what is left to read in ``file``, in hexadecimal (read in blocks, not whole)."""
    return hashlib.file_digest(file, "sha256").hexdigest()


def media_type_of(filename: str) -> str:
    """The media type of a file of dist/ (gzip files are application/gzip)."""
    if filename.endswith(".gz"):
        return formats.GZIP_MEDIA_TYPE
    if filename == CHECKSUMS_FILE:
        return "text/plain"
    fmt = formats.by_extension(filename)
    return fmt.media_type if fmt else "application/octet-stream"
