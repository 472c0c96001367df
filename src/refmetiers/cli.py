"""The `refmetiers` command: thin commands over the domain modules.

Exit codes: 0 ok, 1 SHACL violations, 2 bad input (parse, config, parameters), 3 internal error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Settings, find_root, load_settings
from .errors import ConfigError, RefmetiersError, ReleaseRefused, SourceError, ValidationFailed

if TYPE_CHECKING:
    from .build import BuildResult

EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(root=getattr(args, "root", None), dist_dir=getattr(args, "dist", None))


def _project_settings(args: argparse.Namespace, writes: str) -> Settings:
    """The settings of a command that writes into the project (``writes`` says what): it runs in a checkout of
    the reference, or names one with --root, never in the copy the installed package carries."""
    settings = _settings(args)
    named = getattr(args, "root", None) is not None or "REFMETIERS_ROOT" in os.environ
    if not named and find_root(Path.cwd()) is None:  # the root fell back to the package's own copy
        raise ConfigError(
            f"{Path.cwd()}: no refmetiers project here or above (a folder with data/ and ontology/), and this command "
            f"writes {writes}: run it in your checkout of the reference, or pass --root / aucun projet refmetiers "
            f"ici ni au-dessus (un dossier avec data/ et ontology/), et cette commande écrit {writes} : lancez-la "
            "dans votre copie du référentiel, ou passez --root")
    return settings


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build

    settings = _settings(args)
    # into the project's own dist/ only in a project (a wheel's reference builds into the user's cache)
    if not args.dist and settings.dist.is_relative_to(settings.root):
        settings = _project_settings(args, "dist/")
    _print_built(settings, build(settings))
    return EXIT_OK


def _print_built(settings: Settings, result: BuildResult) -> None:
    counts = ", ".join(f"{name} {count}" for name, count in result.triple_counts().items())
    timing = ", ".join(f"{step} {seconds:.2f}s" for step, seconds in result.seconds.items())
    print(f"built {len(result.files)} files in {settings.dist} (triples: {counts}; {timing}) / "
          f"{len(result.files)} fichiers construits")
    if result.report.warnings:
        print(f"{result.report.warnings} SHACL warning(s); run `refmetiers validate` to read them / "
              f"{result.report.warnings} avertissement(s) SHACL ; `refmetiers validate` les détaille")


def cmd_stats(args: argparse.Namespace) -> int:
    from . import coverage
    from .stats import compute, render_text
    from .store import load_store

    settings = _settings(args)
    store = load_store(settings.dist)
    stats = compute(store, settings.base_iri, top=args.top)
    links = coverage.compute(store, settings.base_iri)
    if args.format == "json":
        print(json.dumps(asdict(stats) | {"coverage": asdict(links)}, ensure_ascii=False, indent=1))
    else:
        print(render_text(stats), end="")
        print(coverage.render_text(links), end="")
    return EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    from .query.offline import answer

    text = args.query
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the query: {exc} / impossible de lire la requête") from None
    sys.stdout.write(answer(_settings(args).dist, text, args.format))
    return EXIT_OK


def cmd_suggest_links(args: argparse.Namespace) -> int:
    from .suggest import check_output, suggest_links

    settings = _settings(args)
    if args.output is None:
        count = suggest_links(settings, sys.stdout, args.kind, args.min_score, args.top, args.targets)
    else:
        check_output(args.output, settings)
        try:
            with args.output.open("w", encoding="utf-8", newline="") as out:
                count = suggest_links(settings, out, args.kind, args.min_score, args.top, args.targets)
        except OSError as exc:
            raise ConfigError(f"--output: cannot write {args.output}: {exc} / impossible d'écrire ce fichier") from None
    print(f"{count} candidate link(s) ({args.kind}) for review / {count} lien(s) candidat(s) à relire",
          file=sys.stderr)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from .build import check_files, check_sources
    from .rendering import render, render_source_error

    settings = _settings(args)
    try:
        report = check_files(settings, args.files) if args.files else check_sources(settings)
    except SourceError as exc:  # what cannot be read is reported in the format the caller reads
        sys.stdout.write(render_source_error(exc, args.format, args.lang))
        return EXIT_BAD_INPUT
    sys.stdout.write(render(report, args.format, args.lang))
    return EXIT_OK if report.conforms else EXIT_VIOLATIONS


def cmd_new(args: argparse.Namespace) -> int:
    from .scaffold import new_concept, new_job

    settings = _project_settings(args, "data/")
    if args.what == "job":
        made = new_job(settings, args.title, family=args.family, subfamily=args.subfamily, sheet=args.sheet)
    else:
        made = new_concept(settings, args.kind, args.label)
    print(f"{made.path}:{made.line}: <{made.iri}>")
    print("  écrit ; remplacez chaque « À COMPLÉTER », puis `refmetiers validate` / written; replace each "
          "« À COMPLÉTER », then run `refmetiers validate`")
    if made.similar:
        print("  concepts proches déjà présents (à réutiliser s'il s'agit du même) / close existing concepts "
              "(reuse one if it is the same):")
        for label, iri, similarity in made.similar:
            print(f"    {similarity:.2f}  {label}  <{iri}>")
    return EXIT_OK


def cmd_fmt(args: argparse.Namespace) -> int:
    from .formatting import format_files

    settings = _settings(args) if args.files or args.check else _project_settings(args, "data/")
    outcome = format_files(settings, args.files or None, check=args.check)
    for path in outcome.changed:
        print(f"{'would reformat' if args.check else 'reformatted'} {path} / "
              f"{'à remettre en forme' if args.check else 'remis en forme'}")
    state = ("not in canonical layout / hors de la mise en forme canonique" if args.check
             else "reformatted / remis en forme")
    print(f"{len(outcome.changed)} of {outcome.checked} file(s) {state}")
    return EXIT_VIOLATIONS if args.check and outcome.changed else EXIT_OK


def cmd_release(args: argparse.Namespace) -> int:
    import datetime as dt

    from .releasing import cut

    settings = _project_settings(args, "releases/")
    try:
        today = dt.date.fromisoformat(args.date) if args.date else None
    except ValueError:
        raise ConfigError(f"--date {args.date!r}: expected YYYY-MM-DD (date attendue AAAA-MM-JJ)") from None
    release = cut(settings, args.version, today=today, allow_dirty=args.allow_dirty, commit=args.commit)
    print(f"released {release.version} in {release.folder}"
          + (f" (diff from {release.previous}: {sum(release.change_set.counts().values())} change(s))"
             if release.change_set is not None else " (first release)")
          + f" / version {release.version} publiée")
    if release.tag:
        print(f"committed and tagged {release.tag} (not pushed) / commit et étiquette {release.tag} (non poussés)")
    else:
        print("next: git add data/metadata/release.ttl releases/ CHANGELOG.md && git commit, "
              f"then git tag -a data-{release.version} (or rerun with --commit) / ensuite : ces commandes git, "
              "ou relancez avec --commit")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from . import changes
    from .releasing import diff

    settings = _settings(args)
    change_set = diff(settings, args.old, args.new)
    if args.format == "json":
        sys.stdout.write(changes.to_json(change_set, settings.base_iri))
    elif args.format == "ttl":
        from .dumps import canonical_turtle

        sys.stdout.write(canonical_turtle(changes.to_graph(change_set, settings.base_iri), changes.CHANGE_PREFIXES))
    elif args.format == "kgcl":
        sys.stdout.write(changes.to_text(change_set))
    else:
        sys.stdout.write(changes.to_markdown(change_set, args.lang))
    removed = change_set.errors()
    if removed:
        _print_error("error", f"{len(removed)} concept(s) of {args.old} are gone from {args.new} (IRIs never "
                     "disappear: deprecate them instead / les IRI ne disparaissent jamais) : "
                     + ", ".join(c.subject for c in removed[:10]))
        return EXIT_VIOLATIONS
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from .layout import dist_is_stale

    settings = _settings(args).with_overrides(host=args.host, port=args.port, store_url=args.store)
    if settings.store_url and not settings.store_url.startswith(("http://", "https://")):
        raise ConfigError(f"--store {settings.store_url!r}: give the http(s) URL of a SPARQL 1.1 query endpoint / "
                          "donnez l'URL http(s) d'un service de requêtes SPARQL 1.1")
    if dist_is_stale(settings):  # the build (rdflib, pySHACL) is imported only when it has to run
        from .build import build_if_stale

        freshness = build_if_stale(settings)
        if freshness.built is not None:
            print(f"refmetiers: {settings.dist} was missing or older than the sources; built it / absent ou plus "
                  "ancien que les sources : reconstruit", file=sys.stderr)
            _print_built(settings, freshness.built)
        if freshness.failure is not None:
            _print_error("warning", f"the build failed ({freshness.failure}); serving the previous build in "
                         f"{settings.dist} / la construction a échoué ; la précédente reste publiée")
    from .store import QUADS_FILE, start_loading

    loading = None
    if (settings.dist / QUADS_FILE).is_file():
        # The query workers' store loads in the forkserver, and this process's in a thread, while this process
        # imports the web stack.
        if not settings.store_url:
            from .query.pool import start_forkserver

            start_forkserver(str(settings.dist / QUADS_FILE))
        loading = start_loading(settings.dist)
    from .web import create_app
    from .web.server import run

    app = create_app(settings, loading=loading)
    print(f"refmetiers: serving on http://{settings.host}:{settings.port}/ (SPARQL at /sparql) / service ouvert "
          "(SPARQL à /sparql)", file=sys.stderr)
    if settings.host not in ("127.0.0.1", "localhost", "::1"):
        _print_error("warning", f"--host {settings.host}: the endpoint, pages and dumps are open to every machine "
                     "that can reach this address, without TLS; put a reverse proxy with TLS in front for a public "
                     "service / le service est ouvert à toute machine qui atteint cette adresse, sans TLS")
    run(app, settings.host, settings.port, log_level=args.log_level, access_log=args.access_log,
        read_timeout_s=settings.read_timeout_s)
    return EXIT_OK


def _built(settings: Settings) -> None:
    """Build first when dist/ is missing or older than the sources; never publish the previous build instead."""
    from .build import build_if_stale

    freshness = build_if_stale(settings)
    if freshness.built is not None:
        _print_built(settings, freshness.built)
    if freshness.failure is not None:
        raise freshness.failure


def cmd_site(args: argparse.Namespace) -> int:
    from .web.site import SiteOptions, check_options, write_site

    settings = _settings(args)
    options = SiteOptions(listen=args.listen, server_name=args.server_name, upstreams=tuple(args.upstream),
                          cache=args.cache, public_url=args.public_url)
    check_options(options)
    _built(settings)
    result = write_site(settings, args.out, options)
    print(f"wrote {result.files} files ({result.bytes / 1e6:.1f} MB) for {result.resources} IRIs to {result.out} "
          f"(data version {result.data_version}); nginx: {result.out / 'server' / 'nginx.conf'}, "
          f"Apache: {result.out / '.htaccess'} / site statique écrit")
    return EXIT_OK


def cmd_publish(args: argparse.Namespace) -> int:
    from .publish import publish

    settings = _settings(args)
    _built(settings)
    result = publish(settings.dist, args.to)
    for graph, count in result.graphs.items():
        print(f"{graph}: {count} triples")
    print(f"published {result.triples} triples in {len(result.graphs)} graphs to {args.to} / {result.triples} "
          f"triplets publiés dans {len(result.graphs)} graphes")
    return EXIT_OK


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, help="the project holding ontology/, data/, shapes/ (default: "
                        "$REFMETIERS_ROOT, else the nearest folder at or above the current one with data/ and "
                        "ontology/, else the reference the package carries)")
    parser.add_argument("--dist", type=Path, help="the output folder (default: ROOT/dist)")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="refmetiers", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show the traceback of an internal error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="parse, infer, validate and write every dump to dist/")
    _common(build)
    build.set_defaults(func=cmd_build)

    validate = commands.add_parser(
        "validate", help="check the repository's data, or outside files with the published graph, against shapes/")
    _common(validate)
    validate.add_argument("files", nargs="*", type=Path, metavar="FILE",
                          help="outside Turtle files to check together with the published graph "
                               "(default: the repository's data)")
    validate.add_argument("--format", choices=["text", "json", "junit", "github"], default="text",
                          help="text (default), json, junit (CI test report) or github (workflow annotations)")
    validate.add_argument("--lang", choices=["fr", "en"], default="fr", help="language of the messages (default fr)")
    validate.set_defaults(func=cmd_validate)

    fmt = commands.add_parser("fmt", help="rewrite Turtle files in the canonical layout (default: data/**/*.ttl)")
    _common(fmt)
    fmt.add_argument("files", nargs="*", type=Path, metavar="FILE", help="the files to format (default: data/**/*.ttl)")
    fmt.add_argument("--check", action="store_true", help="change nothing; exit 1 and list the files that differ")
    fmt.set_defaults(func=cmd_fmt)

    new = commands.add_parser("new", help="start a new job type or concept: a file with the next free code, "
                              "the required fields marked, close existing concepts suggested")
    what = new.add_subparsers(dest="what", required=True, metavar="job|concept")
    new_job = what.add_parser("job", help='a new job type: data/jobs/{slug}.ttl (e.g. new job "Développeur")')
    new_job.add_argument("title", help="the French title of the job type")
    new_job.add_argument("--family", help="the family's slug (e.g. production)")
    new_job.add_argument("--subfamily", help="the sub-family's slug (e.g. exploitation)")
    new_job.add_argument("--no-sheet", dest="sheet", action="store_false",
                         help="a job type named in the nomenclature, without a sheet")
    _common(new_job)
    new_concept = what.add_parser("concept", help="a new concept added to data/schemes/ with the next free code")
    new_concept.add_argument("kind", choices=["activity", "knowhow", "knowledge", "factor", "certification"])
    new_concept.add_argument("label", help="its French preferred label")
    _common(new_concept)
    new.set_defaults(func=cmd_new)

    stats = commands.add_parser("stats", help="statistics of the last build")
    _common(stats)
    stats.add_argument("--format", choices=["text", "json"], default="text")
    stats.add_argument("--top", type=int, default=10, help="how many shared concepts to list")
    stats.set_defaults(func=cmd_stats)

    query = commands.add_parser("query", help="run a SPARQL query over the last build")
    _common(query)
    query.add_argument("query", help="the query text, or @FILE")
    query.add_argument("--format", choices=["json", "csv", "tsv", "xml"], default="tsv",
                       help="result format of SELECT queries")
    query.set_defaults(func=cmd_query)

    suggest = commands.add_parser("suggest-links", help="propose links for unlinked concepts, as SSSOM for review")
    _common(suggest)
    suggest.add_argument("--kind", choices=["skills", "occupations"], default="skills",
                         help="know-how/knowledge → ESCO skills, or job types → ESCO occupations")
    suggest.add_argument("--min-score", type=float, default=0.6, help="drop candidates scoring below (0–1)")
    suggest.add_argument("--top", type=int, default=3, help="at most this many candidates per concept")
    suggest.add_argument("--targets", type=Path, nargs="*", default=[],
                         help="extra Turtle files of target concepts (besides graph reference)")
    suggest.add_argument("--output", type=Path, help="the SSSOM file to write (default: standard output); "
                         "never inside data/mappings/")
    suggest.set_defaults(func=cmd_suggest_links)

    release = commands.add_parser("release", help="cut release X.Y.Z of the data into releases/X.Y.Z/ "
                                  "(clean sources, shapes, no IRI lost, diff, CHANGELOG.md)")
    _common(release)
    release.add_argument("version", help="the new data version, MAJOR.MINOR.PATCH, after the last one")
    release.add_argument("--date", help="the release date YYYY-MM-DD (default: today)")
    release.add_argument("--commit", action="store_true",
                         help="commit the release's files and tag the commit data-X.Y.Z (never pushes)")
    release.add_argument("--allow-dirty", action="store_true",
                         help="cut even if ontology/, data/ or shapes/ have uncommitted changes (tests, drafts)")
    release.set_defaults(func=cmd_release)

    diff = commands.add_parser("diff", help="what changed between two versions: releases (0.1.0), "
                               "'working' (the sources) or N-Quads files")
    _common(diff)
    diff.add_argument("old", help="the older version: X.Y.Z, working, or FILE.nq[.gz]")
    diff.add_argument("new", help="the newer version: X.Y.Z, working, or FILE.nq[.gz]")
    diff.add_argument("--format", choices=["markdown", "kgcl", "json", "ttl"], default="markdown",
                      help="markdown summary (default), kgcl (one KGCL line per change), json, or ttl (RDF change set)")
    diff.add_argument("--lang", choices=["en", "fr"], default="en", help="language of the markdown summary")
    diff.set_defaults(func=cmd_diff)

    serve = commands.add_parser("serve", help="serve the SPARQL endpoint, the IRIs' pages and the dumps")
    _common(serve)
    serve.add_argument("--host", help="the address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="the port (default 8000)")
    serve.add_argument("--store", metavar="URL", help="answer SPARQL queries with this external SPARQL 1.1 endpoint "
                       "(e.g. the Oxigraph server's http://HOST:7878/query, loaded with `refmetiers publish`) "
                       "instead of the embedded store; every guard and cap still applies")
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument("--no-access-log", dest="access_log", action="store_false", help="do not log every request")
    serve.set_defaults(func=cmd_serve)

    site = commands.add_parser("site", help="write the static publication (every IRI's representations, dumps, "
                               "search index) and the nginx, Apache and w3id rules that negotiate it")
    _common(site)
    site.add_argument("out", type=Path, metavar="OUT", help="the folder to write (replaced as a whole)")
    site.add_argument("--listen", default="8080", help="nginx `listen` value (default 8080)")
    site.add_argument("--server-name", default="_", help="nginx `server_name` (default _)")
    site.add_argument("--upstream", action="append", default=[], metavar="URL",
                      help="http://HOST:PORT of a `refmetiers serve` answering /sparql, /search and the other dynamic "
                      "routes; repeat it for replicas (nginx balances them)")
    site.add_argument("--cache", action="store_true", help="put nginx's proxy_cache in front of the upstreams")
    site.add_argument("--public-url", help="where the site is published: writes server/w3id.htaccess redirecting "
                      "the persistent IRIs there")
    site.set_defaults(func=cmd_site)

    publish = commands.add_parser("publish", help="load the last build into a triple store (SPARQL 1.1 Graph Store "
                                  "Protocol: each named graph replaced, then read back and counted)")
    _common(publish)
    publish.add_argument("--to", required=True, metavar="URL",
                         help="the store's Graph Store endpoint, e.g. http://127.0.0.1:7878/store (Oxigraph), "
                         "http://host:3030/ds/data (Fuseki); http://user:password@host/… for basic auth")
    publish.set_defaults(func=cmd_publish)
    return parser


_PREFIX_FR = {"error": "erreur", "warning": "avertissement"}


def _print_error(prefix: str, message: str) -> None:
    shown = f"{prefix} / {_PREFIX_FR[prefix]}" if prefix in _PREFIX_FR else prefix
    print(f"refmetiers: {shown}: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SourceError as exc:
        _print_error("error", str(exc))
        if exc.messages.get("fr"):  # the contributor's language too (validate prints it in --lang)
            _print_error("erreur", f"{exc.location()} : {exc.messages['fr']} {exc.fixes.get('fr', '')}".rstrip())
        return EXIT_BAD_INPUT
    except ConfigError as exc:
        _print_error("error", str(exc))
        return EXIT_BAD_INPUT
    except ReleaseRefused as exc:
        for breach in exc.breaches:
            print(f"  {breach}", file=sys.stderr)
        _print_error("error", str(exc))
        return EXIT_VIOLATIONS
    except ValidationFailed as exc:
        from .rendering import render_text

        print(render_text(exc.report), file=sys.stderr)
        _print_error("error", f"{exc} ({exc.report.violations} violation(s))")
        return EXIT_VIOLATIONS
    except RefmetiersError as exc:
        _print_error("error", str(exc))
        return EXIT_INTERNAL
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        if args.debug:
            raise
        _print_error("internal error", f"{type(exc).__name__}: {exc} (rerun with --debug for the traceback)")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
