"""Cutting a release (``refmetiers release X.Y.Z``) and diffing versions (``refmetiers diff OLD NEW``).

A release is cut from committed sources only, in this order; any refusal leaves nothing behind
(data/metadata/release.ttl is put back, no folder is left in releases/):

1. the version is new and greater than the last one; the sources (ontology/, data/, shapes/) have no
   uncommitted change (``git status``), so the release is exactly a commit;
2. data/metadata/release.ttl takes the new version and date; the build must pass the shapes;
3. against the previous release: no published IRI may disappear and no IRI or code may change
   meaning (:func:`releases.continuity_breaches`), else the release is refused, naming each IRI;
4. the diff from the previous release is written (changes.ttl, .json, .md), dist/ is rebuilt (its
   graph ``changes`` now holds it), and releases/X.Y.Z/ receives the gzipped dumps, the context, the
   SHACL report, a VoID whose distributions are ``…/dumps/X.Y.Z/…``, and SHA256SUMS;
5. CHANGELOG.md gains the release's summary; with ``--commit``, one git commit and a tag ``data-X.Y.Z``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from . import catalogue, changes, releases
from .build import assemble, build
from .config import Settings
from .dumps import CONTEXT_FILE, REPORT_FILE, canonical_turtle, write_void_and_sums
from .errors import ConfigError, ReleaseRefused

WORKING = "working"  # the name of the working tree's sources in `diff`
CHANGELOG = "CHANGELOG.md"
TAG_PREFIX = "data-"
_CHANGELOG_HEAD = ("# Changelog of the data\n\n"
                   "Each release of the reference, newest first: its date and what changed since the previous one\n"
                   "(the full diff is `releases/X.Y.Z/changes.md`, `.json` and `.ttl`; also served at\n"
                   "`/changes/OLD/NEW` and loaded in the SPARQL endpoint, graph `…/graph/changes`).\n"
                   "The software's own version is the package's (pyproject.toml).\n")


def version_graphs(settings: Settings, name: str) -> dict[str, Graph]:
    """The named graphs of a version: a release (``0.1.0``), ``working`` (the sources), or an N-Quads file.

    Raises:
        ConfigError: no such release or file.
        SourceError: the working tree's sources do not parse.
    """
    if name == WORKING:
        return assemble(settings)
    path = Path(name)
    if name.endswith((".nq", ".nq.gz")):
        if not path.is_file():
            raise ConfigError(f"{name}: no such file (fichier introuvable)")
        return releases.read_quads(path, settings.base_iri)
    return releases.release_graphs(settings.releases_dir, name, settings.base_iri)


def diff(settings: Settings, old: str, new: str) -> changes.ChangeSet:
    """The changes from version ``old`` to version ``new`` (see :func:`version_graphs` for the names)."""
    change_set = changes.compute(version_graphs(settings, old), version_graphs(settings, new), settings.base_iri,
                                 Path(old).name.removesuffix(".gz").removesuffix(".nq"),
                                 Path(new).name.removesuffix(".gz").removesuffix(".nq"))
    if new != WORKING and (settings.releases_dir / new / f"{catalogue.CHANGES_STEM}.json").is_file():
        published = changes.from_json((settings.releases_dir / new / f"{catalogue.CHANGES_STEM}.json")
                                      .read_text(encoding="utf-8"))
        change_set.issued = published.issued
    return change_set


# --------------------------------------------------------------------------------------------------
# Cutting a release
# --------------------------------------------------------------------------------------------------

@dataclass
class Release:
    """What ``cut`` produced."""

    version: str
    previous: str | None
    folder: Path
    change_set: changes.ChangeSet | None
    tag: str | None = None


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        raise ConfigError("git is not installed; a release is cut from a git checkout "
                          "(git n'est pas installé)") from None


def uncommitted_sources(settings: Settings) -> list[str]:
    """The source files (ontology/, data/, shapes/) that differ from the last commit, as ``git status`` shows them.

    Raises:
        ConfigError: the root is not a git checkout.
    """
    inside = _git(settings.root, "rev-parse", "--show-toplevel")
    if inside.returncode != 0:
        raise ConfigError(f"{settings.root} is not a git checkout: a release must be exactly a commit "
                          f"(pass --allow-dirty to cut one anyway) / n'est pas un dépôt git")
    status = _git(settings.root, "status", "--porcelain", "--untracked-files=all", "--",
                  "ontology", "data", "shapes")
    return [line[3:] for line in status.stdout.splitlines() if line.strip()]


def _check_version(settings: Settings, version: str) -> str | None:
    catalogue.parse_version(version)
    if (settings.releases_dir / version).exists():
        raise ConfigError(f"release {version} already exists in {settings.releases_dir}: a release never changes "
                          f"once cut (la version {version} existe déjà et ne change jamais)")
    previous = catalogue.latest(settings.releases_dir)
    if previous and catalogue.parse_version(version) <= catalogue.parse_version(previous):
        raise ConfigError(f"release {version} is not after the last one, {previous} "
                          f"(la version doit suivre {previous})")
    return previous


def cut(settings: Settings, version: str, *, today: dt.date | None = None, allow_dirty: bool = False,
        commit: bool = False) -> Release:
    """Cut release ``version`` from the sources (see the module's docstring for the steps).

    Raises:
        ConfigError: bad version, release exists, sources not committed, not a git checkout.
        ValidationFailed: the data violates the shapes.
        ReleaseRefused: an IRI or code published by the previous release would disappear or change meaning.
    """
    previous = _check_version(settings, version)
    if not allow_dirty:
        dirty = uncommitted_sources(settings)
        if dirty:
            raise ConfigError("the sources have uncommitted changes; commit them first so that the release is "
                              "exactly a commit (les sources ont des modifications non validées): "
                              + ", ".join(dirty[:10]) + (" …" if len(dirty) > 10 else ""))
    today = today or dt.date.today()
    release_file = settings.data_dir / releases.RELEASE_FILE
    before = release_file.read_text(encoding="utf-8") if release_file.is_file() else None
    issued: dt.date | None = today
    if previous is not None:  # the dataset was first issued with the first release
        issued = releases.read_info(releases.release_graphs(settings.releases_dir, previous,
                                                            settings.base_iri)["metadata"], settings.base_iri).issued
    info = releases.ReleaseInfo(version, issued or today, today)
    release_file.parent.mkdir(parents=True, exist_ok=True)
    release_file.write_text(releases.render_info(info, settings.base_iri), encoding="utf-8")
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=_mkdir(settings.releases_dir)))
    try:
        change_set = _check_and_diff(settings, version, previous, today, staging)
        # dist/ carries this release (and its change set) in graph `changes`, as every later build of it will.
        pending = releases.release_description(settings.base_iri, version, today.isoformat(), previous)
        if change_set is not None:
            pending += changes.to_graph(change_set, settings.base_iri)
        build(settings, pending_changes=pending)
        for path in sorted(settings.dist.iterdir()):
            if path.name.endswith(".gz") or path.name in (CONTEXT_FILE, REPORT_FILE):
                shutil.copyfile(path, staging / path.name)
        metadata = releases.read_quads(staging / catalogue.QUADS_DUMP, settings.base_iri)["metadata"]
        write_void_and_sums(staging, metadata, settings.base_iri, info,
                            download_base=f"{settings.base_iri}dumps/{version}/")
        folder = settings.releases_dir / version
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if before is None:
            release_file.unlink(missing_ok=True)
        else:
            release_file.write_text(before, encoding="utf-8")
        raise
    _update_changelog(settings, info, previous, change_set)
    result = Release(version, previous, folder, change_set)
    if commit:
        result.tag = _commit_and_tag(settings, version)
    return result


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _check_and_diff(settings: Settings, version: str, previous: str | None, today: dt.date,
                    staging: Path) -> changes.ChangeSet | None:
    """Build without writing (the shapes must pass), refuse any breach of the previous release, write the diff."""
    result = build(settings, write=False)
    if previous is None:
        return None
    old = releases.release_graphs(settings.releases_dir, previous, settings.base_iri)
    breaches = releases.continuity_breaches(old, result.graphs, settings.base_iri)
    if breaches:
        raise ReleaseRefused(version, breaches, previous)
    change_set = changes.compute(old, result.graphs, settings.base_iri, previous, version)
    change_set.issued = today.isoformat()
    stem = staging / catalogue.CHANGES_STEM
    stem.with_suffix(".ttl").write_text(canonical_turtle(changes.to_graph(change_set, settings.base_iri),
                                                         changes.CHANGE_PREFIXES),
                                        encoding="utf-8")
    stem.with_suffix(".json").write_text(changes.to_json(change_set, settings.base_iri), encoding="utf-8")
    stem.with_suffix(".md").write_text(changes.to_markdown(change_set), encoding="utf-8")
    return change_set


def _update_changelog(settings: Settings, info: releases.ReleaseInfo, previous: str | None,
                      change_set: changes.ChangeSet | None) -> None:
    path = settings.root / CHANGELOG
    text = path.read_text(encoding="utf-8") if path.is_file() else _CHANGELOG_HEAD
    head, _, rest = text.partition("\n## ")
    lines = [f"## {info.version} — {info.modified}", ""]
    if change_set is None:
        lines.append("First release: the reference as published on this date. "
                     f"Files: `releases/{info.version}/` (served at `/dumps/{info.version}/`).")
    else:
        lines.append(f"Changes since {previous} (full list: `releases/{info.version}/changes.md`, "
                     f"`/changes/{previous}/{info.version}`):")
        lines.append("")
        counts = change_set.counts()
        lines += [f"- {changes.CATEGORIES[c][0]}: {n}" for c, n in counts.items()] or ["- No change."]
    section = "\n".join(lines) + "\n"
    path.write_text(head.rstrip("\n") + "\n\n" + section + (("\n## " + rest) if rest else ""), encoding="utf-8")


def _commit_and_tag(settings: Settings, version: str) -> str:
    """One commit with the release's files, and an annotated tag ``data-X.Y.Z`` (never pushed)."""
    paths = [str(settings.data_dir / releases.RELEASE_FILE), str(settings.releases_dir / version),
             str(settings.root / CHANGELOG)]
    for args in (["add", "--", *paths],
                 ["commit", "-q", "-m", f"Release data {version}", "--", *paths],
                 ["tag", "-a", TAG_PREFIX + version, "-m", f"refmetiers data {version}"]):
        done = _git(settings.root, *args)
        if done.returncode != 0:
            raise ConfigError(f"git {' '.join(args[:2])} failed: {done.stderr.strip()} (the release files are "
                              f"written; commit and tag them by hand) / échec de git : les fichiers de la version sont "
                              "écrits, validez-les et étiquetez-les à la main")
    return TAG_PREFIX + version
