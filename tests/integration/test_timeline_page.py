"""The timeline page in a real headless Chromium, against `claimtrack serve` on the test
stack: it draws the versions the CLI shows, a click shows the quote behind a band, the
known-at control draws the past as it was believed, a change replayed while the page
is open appears on it, and it draws 5,000 versions of 200 actors."""

import asyncio
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from schemas import Claim
from storage.databases import create_database
from storage.migrate import migrate_database
from storage.projection import LogRecord, apply_batch
from streams.core.handlers import position_events
from streams.core.versioning import Position, apply_claim
from tests.integration.api_server import serving
from tests.integration.conftest import Pipeline

pytestmark = pytest.mark.integration

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
TIMEOUT = 60.0
TRACKED = ("dialogue", "de_escalation", "military_contacts")

# An article dated before everything the seeds say of Grushko: it arrives late and
# changes his history's past.
LATE_ARTICLE = """Moscow rules out talks with NATO, Grushko says

March 3, 2020

MOSCOW (Wire) Russian Deputy Foreign Minister Alexander Grushko said on Tuesday that Moscow rejects any \
dialogue with NATO while the alliance keeps building up forces on Russia's borders.

"There is no point in dialogue with NATO under these conditions," Grushko said.
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None or CHROMEDRIVER is None:
        reason = ("Debian's chromium and chromium-driver are not installed (apt-get install chromium "
                  "chromium-driver; .ci/run installs them): the timeline page is not tested in a browser")
        print(f"\nSKIPPED: {reason}")
        pytest.skip(reason)
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1500,1000",
                     "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_script_timeout(TIMEOUT)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def served(make_pipeline: Callable[..., Pipeline]) -> Iterator[tuple[Pipeline, httpx.Client]]:
    pipeline = make_pipeline()
    pipeline.cli("replay", "seeds", "--wait")
    with serving(pipeline) as client:
        yield pipeline, client


def wait_for(driver: Any, check: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            logs = driver.get_log("browser") if hasattr(driver, "get_log") else []
            raise AssertionError(f"the page did not show {what} within {timeout:.0f}s; console: {logs}")
        time.sleep(0.2)


def drawn(driver: Any) -> int:
    return int(driver.execute_script("return Number(document.getElementById('timeline').dataset.drawn || 0)"))


def bands(driver: Any, actor: str) -> list[tuple[str, int, str, str, str | None]]:
    """(topic, version, stance, valid from, valid to) of every band in the actor's rows."""
    rows = driver.execute_script("""
        return [...document.querySelectorAll(`.row[data-actor="${arguments[0]}"] .band`)].map((b) =>
            [b.closest('.row').dataset.topic, Number(b.dataset.version), b.dataset.stance,
             b.dataset.validFrom, b.dataset.validTo || null]);""", actor)
    return sorted(tuple(r) for r in rows)


def cli_bands(p: Pipeline, actor: str, *args: str) -> list[tuple[str, int, str, str, str | None]]:
    rows = json.loads(p.cli("history", "--actor", actor, *args, "--format", "json").stdout)
    return sorted((r["topic"], r["version"], r["stance"], r["valid_from"], r["valid_to"])
                  for r in rows if r["topic"] in TRACKED)


def test_the_page_shows_the_history_its_evidence_the_past_and_live_changes(
        served: tuple[Pipeline, httpx.Client], browser: Any, tmp_path: Path) -> None:
    p, client = served
    browser.get(f"{client.base_url}/")
    wait_for(browser, lambda: drawn(browser) >= 1, "a first drawing")

    before = cli_bands(p, "grushko")
    assert before, "the seeds give Grushko no history"
    assert bands(browser, "grushko") == before

    # A click on a band shows the quotes of the claims behind it.
    first = browser.find_element("css selector", '.row[data-actor="grushko"][data-topic="dialogue"] .band')
    first.click()
    quotes = wait_for(browser, lambda: browser.find_elements("css selector", "#detail .quote"), "the evidence")
    version = next(v for v in client.get("/history", params={"actor": "grushko", "topic": "dialogue"}).json()["items"]
                   if v["version"] == int(first.get_attribute("data-version")))
    claims = client.get("/claims", params={"actor": "grushko", "topic": "dialogue", "limit": 1000}).json()["items"]
    expected = {c["evidence"] for c in claims if c["statement_id"] in version["statement_ids"]}
    assert expected and {q.text for q in quotes} == expected
    link = browser.find_element("css selector", "#detail li .source a").get_attribute("href")
    article = httpx.get(link, timeout=30)  # the article the quote came from, as the projection holds it
    assert article.status_code == 200 and any(quote in article.json()["body"] for quote in expected)
    screenshot(browser, tmp_path, "timeline-seeds.png", publish=True)

    # A late article, replayed while the page is open, redraws Grushko's rows.
    believed_before = datetime.now(UTC).replace(microsecond=0)
    time.sleep(1.1)  # the log's times are in milliseconds: the late claim lands after the second asked for
    corpus = tmp_path / "late"
    corpus.mkdir()
    (corpus / "late.txt").write_text(LATE_ARTICLE)
    p.cli("replay", str(corpus), "--wait")
    now = cli_bands(p, "grushko")
    assert now != before, "the late article changed nothing of Grushko's"
    wait_for(browser, lambda: bands(browser, "grushko") == now, "the change, live")
    moved = next(b for b in now if b[0] == "dialogue" and b[1] == version["version"])
    wait_for(browser, lambda: f"valid from {moved[3]}" in browser.find_element("id", "detail").text,
             "the open evidence follow its band")

    # Known at a time before the late article: the picture as it was believed then.
    assert cli_bands(p, "grushko", "--known-at", believed_before.isoformat()) == before
    drawings = drawn(browser)
    browser.execute_script("""
        const input = document.getElementById('known-at');
        input.value = arguments[0];
        input.dispatchEvent(new Event('change'));""", believed_before.strftime("%Y-%m-%dT%H:%M:%S"))
    wait_for(browser, lambda: drawn(browser) > drawings and bands(browser, "grushko") == before, "the past")
    browser.find_element("id", "known-now").click()
    wait_for(browser, lambda: bands(browser, "grushko") == now, "the present again")
    screenshot(browser, tmp_path, "timeline-after-late-article.png")


def screenshot(driver: Any, folder: Path, name: str, publish: bool = False) -> Path:
    """Saved with the test's files; one to ``publish`` also into CLAIMTRACK_SCREENSHOTS when
    it is set: `CLAIMTRACK_SCREENSHOTS=docs/images pytest tests/integration/test_timeline_page.py`
    made the one in docs/."""
    path = folder / name
    assert driver.save_screenshot(str(path)), f"no screenshot saved at {path}"
    print(f"\nscreenshot: {path}")
    if publish and (target := os.environ.get("CLAIMTRACK_SCREENSHOTS")):
        shutil.copy(path, Path(target) / name)
    return path


def _many_versions(actors: int, changes: int) -> list[LogRecord]:
    """Every actor's position on every tracked topic changing ``changes`` times."""
    records: list[LogRecord] = []
    at = datetime(2025, 1, 1, tzinfo=UTC)
    stances = ("support", "conditional", "oppose")
    for a in range(actors):
        for t, topic in enumerate(TRACKED):
            position: Position | None = None
            for n in range(changes):
                stance = stances[(a + t + n) % 3]
                claim = Claim(
                    claim_id=f"c-{a}-{t}-{n}", article_id=f"a-{a}-{n}", source=f"made-up/{a}-{n}.txt", outlet="Wire",
                    actor_id=f"actor-{a:03d}", actor_name=f"Actor {a:03d}", side=("russia", "nato", "other")[a % 3],
                    topic=topic, stance=stance, evidence=f"Statement {n} of actor {a}.", span=(0, 10),
                    evidence_spans=(), statement_id=f"s-{a}-{t}-{n}",
                    published_at=date(2019, 1, 1) + timedelta(days=40 * n + a % 30), date_known=True,
                    confidence=0.8, extractor_version="made-up")
                outcome = apply_claim(position, claim)
                position = outcome.position
                for event in position_events(outcome, at):
                    records.append(LogRecord("changes", 0, len(records), at, event))
                at += timedelta(milliseconds=1)
    return records


async def _projection_of(server: str, records: list[LogRecord]) -> str:
    url = await create_database(server, f"ct_page_{uuid.uuid4().hex[:10]}")
    await migrate_database(url)
    conn = await asyncpg.connect(url)
    try:
        for i in range(0, len(records), 2000):
            await apply_batch(conn, records[i:i + 2000])
        assert await conn.fetchval("SELECT count(*) FROM position_versions WHERE recorded_to IS NULL") == 5400
    finally:
        await conn.close()
    return url


def test_the_page_draws_200_actors_and_5400_versions(
        served: tuple[Pipeline, httpx.Client], browser: Any, postgres_server: str) -> None:
    p, _ = served
    url = asyncio.run(_projection_of(postgres_server, _many_versions(200, 9)))
    with serving(p, CLAIMTRACK_DATABASE_URL=url) as client:
        started = time.monotonic()
        browser.get(f"{client.base_url}/")
        wait_for(browser, lambda: drawn(browser) >= 1, "a first drawing")
        print(f"\n200 actors, 5,400 versions drawn in {time.monotonic() - started:.1f}s")
        counts = browser.execute_script("""
            const svg = document.getElementById('timeline');
            return [Number(svg.dataset.versions), svg.querySelectorAll('.band').length,
                    svg.querySelectorAll('.row').length];""")
        assert counts == [5400, 5400, 600]
