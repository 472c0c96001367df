"""Links as the pages show them: where one of our IRIs lives on this server, and its label in the page language."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass
class Link:
    """A link to a resource, as the templates show it: its label in the page language where there is one
    (``lang`` says which language the label is in), and whether the resource is deprecated."""

    href: str
    label: str
    lang: str = ""
    iri: str = ""
    deprecated: bool = False
    note: str = ""


def pick_label(names: dict[str, str], lang: str) -> tuple[str, str] | None:
    """The label in ``lang``, else an untagged one, else French, else any; with its language.

    >>> pick_label({"fr": "Développeur", "en": "Developer"}, "en")
    ('Developer', 'en')
    >>> pick_label({"fr": "Développeur"}, "en")
    ('Développeur', 'fr')
    """
    for key in (lang, "", "fr", "en"):
        if names.get(key):
            return names[key], key
    for key, value in names.items():
        return value, key
    return None


def local_href(iri: str, base: str) -> str:
    """The path on this server of one of our IRIs; other http(s) IRIs stay as they are; anything else
    (``javascript:``, ``urn:`` …) gets no link at all (``""``): query results are not trusted HTML."""
    if iri.startswith(base):
        rest = iri[len(base):]
        if rest.split("/", 1)[0] in ("id", "scheme", "def", "dataset", "graph") or rest.startswith("def#"):
            return "/" + quote(rest, safe="/#:@!$&'()*+,;=-._~")
    if iri.startswith(("http://", "https://")):
        return iri
    return ""
