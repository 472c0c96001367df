"""`refmetiers serve`: when it builds first (dist/ missing or older than the sources)."""

from __future__ import annotations

import os
import shutil

from fixtures.web.support import settings_for
from refmetiers.cli import make_parser
from refmetiers.layout import dist_is_stale


def test_serve_options():
    args = make_parser().parse_args(["serve", "--host", "127.0.0.1", "--port", "8123", "--dist", "/tmp/x"])
    assert (args.host, args.port, str(args.dist)) == ("127.0.0.1", 8123, "/tmp/x")


def test_stale_when_missing_or_older_than_a_source(web_root, tmp_path_factory):
    root = tmp_path_factory.mktemp("stale") / "root"
    shutil.copytree(web_root, root)
    settings = settings_for(root)
    built = (root / "dist" / "refmetiers.nq").stat().st_mtime
    for path in root.rglob("*.ttl"):
        if "dist" not in path.parts:
            os.utime(path, (built - 10, built - 10))
    assert dist_is_stale(settings) is False
    source = root / "data" / "job-types.ttl"
    os.utime(source, (built + 10, built + 10))
    assert dist_is_stale(settings) is True
    assert dist_is_stale(settings_for(root).with_overrides(dist_dir=root / "nowhere")) is True
