"""Serving a new build without a restart: ``refmetiers build`` under a running server.

The build swaps dist/ in with two renames. The server notices (it watches the quads file's identity every
``WATCH_INTERVAL_S``, and on SIGHUP), loads the new build beside the old one (its in-process store, dumps
listing, version, and a full set of query workers), then switches everything at once: store, label
index, dumps, version (hence every ETag) and workers. Until then the old build answers everything
consistently: queries on old workers, dump files from descriptors opened at scan time (their content
survives the rename). A build that fails to load leaves the old one serving.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

from ..catalogue import data_version
from ..store import dump_identity, load_store
from .dumps import close_files, scan

log = logging.getLogger(__name__)

WATCH_INTERVAL_S = 1.0
OLD_FILES_GRACE_S = 120.0  # descriptors of the previous build's dumps stay open for downloads in progress


def build_identity(dist: Path) -> tuple[int, int] | None:
    """What changes when a build is swapped in: the quads file's inode and modification time."""
    return dump_identity(dist)


async def reload(context) -> bool:
    """Load the build now in ``context.settings.dist`` and switch to it; return whether it switched."""
    dist = context.settings.dist
    async with context.reload_lock:
        identity = build_identity(dist)
        if identity is None or identity == context.build_identity:
            return False
        loop = asyncio.get_running_loop()
        try:
            store = await loop.run_in_executor(None, load_store, dist)
            version = await loop.run_in_executor(None, data_version, dist, context.settings.releases_dir)
            dumps = await loop.run_in_executor(None, scan, dist)
        except Exception:  # noqa: BLE001 - a half-written or broken build: keep serving the old one
            log.exception("the new build in %s could not be loaded; the previous build goes on serving", dist)
            return False
        try:
            await context.service.reload(dist)
        except Exception:  # noqa: BLE001
            log.exception("the new build's query workers did not start; the previous build goes on serving")
            close_files(dumps)
            return False
        old_dumps = context.dumps
        # One step of the event loop: no request sees half of each build.
        context.store, context.version, context.dumps, context.index = store, version, dumps, None
        context.build_identity = identity
        loop.call_later(OLD_FILES_GRACE_S, close_files, old_dumps)
        log.info("refmetiers: now serving the build %s (version %s)", dist, version)
        return True


async def watch(context) -> None:
    """Reload whenever the build in dist/ changes, or on SIGHUP."""
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()
    try:
        loop.add_signal_handler(signal.SIGHUP, wake.set)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread (tests), or no signals here
        pass
    while True:
        try:
            await asyncio.wait_for(wake.wait(), WATCH_INTERVAL_S)
        except TimeoutError:
            pass
        wake.clear()
        if build_identity(context.settings.dist) not in (None, context.build_identity):
            try:
                await reload(context)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the watcher must outlive one bad build
                log.exception("reloading the build failed")
