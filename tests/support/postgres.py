"""A throwaway PostgreSQL cluster for tests (Debian's ``postgresql`` package: ``initdb`` and
``pg_ctl`` under /usr/lib/postgresql/<version>/bin), listening on a free loopback port, its socket
and data in a temporary folder; stopped and deleted at the end.

The server refuses to run as root: as root, every PostgreSQL program runs as the ``postgres`` user
(``runuser``), and the folder is handed to that user.

Usage (the session fixture ``postgres_cluster`` and the per-test ``postgres_url`` in
tests/conftest.py)::

    def test_x(postgres_url):
        engine = sqlalchemy.create_engine(postgres_url)   # a fresh, empty database
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path


def pg_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (None: not installed)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class Cluster:
    bin: Path
    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def run(self, *cmd: str) -> None:
        proc = subprocess.run(
            _as_postgres(list(cmd)), capture_output=True, text=True, timeout=120, check=False
        )
        if proc.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr}{proc.stdout}{tail}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh empty database; its SQLAlchemy URL."""
        import sqlalchemy

        name = "t_" + uuid.uuid4().hex[:12]
        engine = sqlalchemy.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine.dispose()
        return self.url(name)

    def stop(self) -> None:
        try:
            self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster() -> Cluster:
    """initdb and start a cluster (trust authentication, loopback only, fsync off: test data)."""
    binary = pg_bin()
    if binary is None:
        raise FileNotFoundError("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/pg_ctl)")
    folder = Path(tempfile.mkdtemp(prefix="gongshi-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    folder.chmod(0o700)
    cluster = Cluster(binary, folder, _free_port())
    cluster.run(
        str(binary / "initdb"),
        "-D",
        str(cluster.data),
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--no-sync",
    )
    options = f"-p {cluster.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    try:
        cluster.run(
            str(binary / "pg_ctl"),
            "-D",
            str(cluster.data),
            "-o",
            options,
            "-l",
            str(folder / "server.log"),
            "-w",
            "start",
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return cluster
