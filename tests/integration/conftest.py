import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from storage.databases import create_database
from streams.config import Settings
from streams.devstack import stack as localstack
from tests.integration import services

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def stack_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stack")


@pytest.fixture(scope="session")
def kafka_bootstrap(stack_home: Path) -> Iterator[str]:
    with services.kafka(stack_home) as (bootstrap, how):
        print(f"\nKafka for the integration tests: {bootstrap} ({how})")
        yield bootstrap


@pytest.fixture(scope="session")
def postgres_server(stack_home: Path) -> Iterator[str]:
    with services.postgres(stack_home) as (server, how):
        print(f"\nPostgreSQL for the integration tests: {server} ({how})")
        yield server



@dataclass
class Pipeline:
    """One isolated claimtrack deployment: its own topics, consumer group and database."""

    settings: Settings
    env: dict[str, str]
    repo: Path
    worker: subprocess.Popen[bytes] | None = None

    @property
    def database_url(self) -> str:
        return str(self.settings.database_url)

    @property
    def bootstrap(self) -> str:
        return str(self.settings.kafka_bootstrap)

    def cli(self, *args: str, check: bool = True,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run a claimtrack command of this deployment; ``env`` overrides its environment."""
        run = subprocess.run([sys.executable, "-m", "streams", *args], cwd=self.repo, env={**self.env, **(env or {})},
                             capture_output=True, text=True, timeout=300)
        if check and run.returncode != 0:
            raise AssertionError(f"claimtrack {' '.join(args)} exited {run.returncode}:\n{run.stdout}\n{run.stderr}")
        return run

    def start_worker(self) -> None:
        log = open(self.settings.home / "worker.log", "ab")  # noqa: SIM115 - closed with the process
        self.worker = subprocess.Popen([sys.executable, "-m", "streams", "worker"], cwd=self.repo, env=self.env,
                                       stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def kill_worker(self, sig: int = signal.SIGTERM) -> None:
        if self.worker is not None:
            localstack.stop_pid(self.worker.pid, sig)
            self.worker.wait(timeout=30)
            self.worker = None

    def worker_log(self) -> str:
        path = self.settings.home / "worker.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture(scope="module")
def make_pipeline(kafka_bootstrap: str, postgres_server: str, repo: Path,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Pipeline]]:
    """Deployments with their own topics, group and database, each with a running worker."""
    made: list[Pipeline] = []

    def make(**extra_env: str) -> Pipeline:
        name = f"ct_{uuid.uuid4().hex[:10]}"
        database_url = asyncio.run(create_database(postgres_server, name))
        home = tmp_path_factory.mktemp(name)
        env = {**os.environ, "CLAIMTRACK_KAFKA_BOOTSTRAP": kafka_bootstrap, "CLAIMTRACK_DATABASE_URL": database_url,
               "CLAIMTRACK_TOPIC_PREFIX": name, "CLAIMTRACK_APP_ID": name, "CLAIMTRACK_HOME": str(home),
               "CLAIMTRACK_WAIT_TIMEOUT": "120", **extra_env}
        settings = Settings(kafka_bootstrap=kafka_bootstrap, database_url=database_url, topic_prefix=name,
                            app_id=name, home=home)
        p = Pipeline(settings, env, repo)
        p.start_worker()
        made.append(p)
        return p

    yield make
    for p in made:
        p.kill_worker()
        print(f"\n--- worker log ({p.settings.app_id}) ---\n{p.worker_log()[-3000:]}")


@pytest.fixture(scope="module")
def pipeline(make_pipeline: Callable[[], Pipeline]) -> Pipeline:
    return make_pipeline()
