// The timeline page: every actor's position on each tracked topic as bands over valid
// time, drawn as SVG from the HTTP API (/actors, /history, /claims), redrawn live from
// /events. No library: the page must work with no network beyond its own server.
"use strict";

const TOPICS = ["dialogue", "de_escalation", "military_contacts"];
const TOPIC_NAMES = { dialogue: "dialogue", de_escalation: "de-escalation", military_contacts: "military contacts" };
const STANCES = ["support", "conditional", "oppose"];
const SHORT = { support: "S", conditional: "C", oppose: "O" };
const SIDES = ["russia", "nato", "other"];
const SIDE_NAMES = { russia: "Russia", nato: "NATO", other: "Other" };
const DAY = 86400000;
const LAYOUT = { label: 250, row: 22, band: 16, heading: 26, axis: 28, right: 16, minWidth: 900 };
const SVG_NS = "http://www.w3.org/2000/svg";

const state = {
  actors: new Map(),   // actor_id -> {actor_id, name, side}
  versions: [],        // as /history gives them, tracked topics only
  knownAt: null,       // null: as believed now; else an ISO time
  selected: null,      // "actor|topic|version" of the band whose evidence is shown
  draws: 0,
  live: 0,
};

const $ = (id) => document.getElementById(id);

function escapeText(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

async function getJSON(path) {
  const answer = await fetch(path, { headers: { Accept: "application/json" } });
  if (!answer.ok) throw new Error(`${path}: ${answer.status} ${await answer.text()}`);
  return answer.json();
}

/** Every page of a list; a parameter given as an array is repeated. */
async function allPages(path, params) {
  const items = [];
  let offset = 0;
  for (;;) {
    const query = new URLSearchParams({ limit: "1000", offset: String(offset) });
    for (const [name, value] of Object.entries(params)) {
      for (const one of [].concat(value)) query.append(name, one);
    }
    const page = await getJSON(`${path}?${query}`);
    items.push(...page.items);
    if (page.next_offset === null || page.items.length === 0) return items;
    offset = page.next_offset;
  }
}

function historyParams(extra = {}) {
  return state.knownAt ? { ...extra, known_at: state.knownAt } : extra;
}

async function loadActors() {
  const actors = await getJSON("/actors");
  state.actors = new Map(actors.map((a) => [a.actor_id, a]));
  fillFilters();
}

async function loadVersions() {
  const rows = await allPages("/history", historyParams());
  state.versions = rows.filter((v) => TOPICS.includes(v.topic));
}

// --- filters -------------------------------------------------------------------------

function fillSelect(select, options) {
  const chosen = select.value;
  select.replaceChildren(new Option("all", ""), ...options.map(([value, label]) => new Option(label, value)));
  select.value = options.some(([value]) => value === chosen) ? chosen : "";
}

function fillFilters() {
  const actors = [...state.actors.values()].sort((a, b) => a.name.localeCompare(b.name));
  fillSelect($("filter-actor"), actors.map((a) => [a.actor_id, a.name]));
  fillSelect($("filter-side"), SIDES.filter((s) => actors.some((a) => a.side === s)).map((s) => [s, SIDE_NAMES[s]]));
  fillSelect($("filter-topic"), TOPICS.map((t) => [t, TOPIC_NAMES[t]]));
}

function filters() {
  return { actor: $("filter-actor").value, side: $("filter-side").value, topic: $("filter-topic").value };
}

// --- layout --------------------------------------------------------------------------

function day(text) {
  return Date.parse(`${text}T00:00:00Z`);
}

/** Rows grouped by side: every actor with a version, on every tracked topic asked for. */
function rows() {
  const f = filters();
  const byPosition = new Map();
  for (const v of state.versions) {
    const key = `${v.actor_id}|${v.topic}`;
    if (!byPosition.has(key)) byPosition.set(key, []);
    byPosition.get(key).push(v);
  }
  const actorIds = new Set(state.versions.map((v) => v.actor_id));
  const actors = [...actorIds].map((id) => state.actors.get(id) ?? versionActor(id))
    .filter((a) => (!f.actor || a.actor_id === f.actor) && (!f.side || a.side === f.side))
    .sort((a, b) => SIDES.indexOf(a.side) - SIDES.indexOf(b.side) || a.name.localeCompare(b.name));
  const topics = f.topic ? [f.topic] : TOPICS;
  const groups = [];
  for (const side of SIDES) {
    const members = actors.filter((a) => a.side === side);
    if (!members.length) continue;
    groups.push({ side, rows: members.flatMap((a) => topics.map((topic) => ({
      actor: a, topic, versions: (byPosition.get(`${a.actor_id}|${topic}`) ?? []).sort((x, y) => x.version - y.version),
    }))) });
  }
  return groups;
}

function versionActor(actorId) {
  const v = state.versions.find((x) => x.actor_id === actorId);
  return { actor_id: actorId, name: v ? v.actor_name : actorId, side: v ? v.side : "other" };
}

function timeDomain() {
  const starts = state.versions.map((v) => day(v.valid_from));
  const ends = state.versions.filter((v) => v.valid_to).map((v) => day(v.valid_to));
  if (!starts.length) {
    const now = Date.now();
    return [now - 365 * DAY, now];
  }
  const first = Math.min(...starts);
  const last = Math.max(...starts, ...ends);
  const pad = Math.max(30 * DAY, (last - first) * 0.06);
  return [first - pad, last + pad * 2];
}

function ticks(from, to) {
  const years = (to - from) / (365 * DAY);
  const step = years > 6 ? 12 : years > 2 ? 6 : years > 0.8 ? 3 : 1;  // months between ticks
  const out = [];
  const d = new Date(from);
  let t = Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / step) * step, 1);
  while (t <= to) {
    if (t >= from) out.push(t);
    const next = new Date(t);
    t = Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + step, 1);
  }
  return { out, step };
}

function tickLabel(t, step, first) {
  const d = new Date(t);
  const month = d.toLocaleString("en", { month: "short", timeZone: "UTC" });
  return first || step >= 12 || d.getUTCMonth() === 0 ? `${month} ${d.getUTCFullYear()}` : month;
}

// --- drawing -------------------------------------------------------------------------

function legend() {
  $("legend").innerHTML = STANCES.map((s) =>
    `<li><svg width="28" height="14" aria-hidden="true"><rect width="28" height="14" fill="url(#fill-${s})"/></svg>`
    + `${SHORT[s]} = ${s}</li>`).join("");
}

function draw() {
  const svg = $("timeline");
  const groups = rows();
  const width = Math.max(LAYOUT.minWidth, $("chart").clientWidth || LAYOUT.minWidth);
  const [from, to] = timeDomain();
  const x = (t) => LAYOUT.label + ((t - from) / (to - from)) * (width - LAYOUT.label - LAYOUT.right);
  const parts = [];
  let y = LAYOUT.axis;
  let drawn = 0;
  for (const group of groups) {
    parts.push(`<text class="side-heading" x="4" y="${y + 18}">${escapeText(SIDE_NAMES[group.side])}</text>`);
    y += LAYOUT.heading;
    for (const row of group.rows) {
      const a = row.actor;
      parts.push(`<g class="row" data-actor="${escapeText(a.actor_id)}" data-topic="${row.topic}" transform="translate(0 ${y})">`
        + `<rect class="row-bg" x="0" y="0" width="${width}" height="${LAYOUT.row}"/>`
        + `<text class="row-label" x="4" y="${LAYOUT.row - 7}">${escapeText(a.name)} <tspan class="topic">· ${TOPIC_NAMES[row.topic]}</tspan></text>`);
      if (!row.versions.length) {
        parts.push(`<text class="empty" x="${LAYOUT.label + 4}" y="${LAYOUT.row - 7}">no stance on record</text>`);
      }
      for (const v of row.versions) {
        parts.push(band(v, x, to));
        drawn += 1;
      }
      parts.push("</g>");
      y += LAYOUT.row;
    }
  }
  // The grid goes under the bands: first, once the height is known.
  const axis = ticks(from, to);
  parts.unshift(`<g class="axis">${axis.out.map((t, i) => `<line x1="${x(t)}" x2="${x(t)}" y1="${LAYOUT.axis - 6}" y2="${y}"/>`
    + `<text x="${x(t) + 3}" y="${LAYOUT.axis - 10}">${tickLabel(t, axis.step, i === 0)}</text>`).join("")}</g>`);
  svg.setAttribute("width", width);
  svg.setAttribute("height", y + 8);
  svg.setAttribute("viewBox", `0 0 ${width} ${y + 8}`);
  svg.innerHTML = parts.join("");
  state.draws += 1;
  svg.dataset.drawn = String(state.draws);
  svg.dataset.versions = String(drawn);
  const believed = state.knownAt ? `as believed at ${state.knownAt.replace("T", " ").replace("Z", " UTC")}` : "as believed now";
  const actors = groups.reduce((n, g) => n + new Set(g.rows.map((r) => r.actor.actor_id)).size, 0);
  $("status").textContent = `${drawn} versions of ${actors} actors, ${believed}.`;
}

function band(v, x, end) {
  const x0 = x(day(v.valid_from));
  const x1 = v.valid_to ? x(day(v.valid_to)) : x(end);
  const w = Math.max(3, x1 - x0);
  const key = `${v.actor_id}|${v.topic}|${v.version}`;
  const until = v.valid_to ? `until ${v.valid_to}` : "and on";
  const title = `${v.actor_name} on ${TOPIC_NAMES[v.topic]}: ${v.stance} (v${v.version}) from ${v.valid_from} ${until}, ${v.reports} report(s)`;
  const label = w > 90 ? `${v.stance} · v${v.version}` : w > 16 ? SHORT[v.stance] : "";
  const top = (LAYOUT.row - LAYOUT.band) / 2;
  return `<g class="band ${v.stance}${state.selected === key ? " selected" : ""}" tabindex="0" role="button"`
    + ` data-key="${escapeText(key)}" data-version="${v.version}" data-stance="${v.stance}"`
    + ` data-valid-from="${v.valid_from}" data-valid-to="${v.valid_to ?? ""}" aria-label="${escapeText(title)}">`
    + `<title>${escapeText(title)}</title>`
    + `<rect x="${x0}" y="${top}" width="${w}" height="${LAYOUT.band}" rx="2" fill="url(#fill-${v.stance})"/>`
    + (label ? `<text x="${x0 + 4}" y="${top + LAYOUT.band - 4}">${label}</text>` : "")
    + (v.valid_to ? "" : `<text x="${x0 + w - 12}" y="${top + LAYOUT.band - 4}">›</text>`)
    + "</g>";
}

// --- evidence ------------------------------------------------------------------------

async function showEvidence(key) {
  const [actorId, topic, version] = key.split("|");
  const v = state.versions.find((r) => r.actor_id === actorId && r.topic === topic && r.version === Number(version));
  if (!v) {
    state.selected = null;
    $("detail").innerHTML = '<p class="hint">That version is no longer drawn. Click a band to see its evidence.</p>';
    return;
  }
  state.selected = key;
  document.querySelectorAll(".band.selected").forEach((el) => el.classList.remove("selected"));
  document.querySelector(`.band[data-key="${CSS.escape(key)}"]`)?.classList.add("selected");
  const detail = $("detail");
  detail.innerHTML = `<h2>${escapeText(v.actor_name)} · ${TOPIC_NAMES[v.topic]}</h2>`
    + `<p class="facts"><strong>${v.stance}</strong> (version ${v.version}${v.previous_stance ? `, was ${v.previous_stance}` : ""}),`
    + ` valid from ${v.valid_from}${v.valid_to ? ` until ${v.valid_to}` : ""}; ${v.reports} report(s);`
    + ` on record since ${escapeText(v.recorded_from.replace("T", " ").slice(0, 19))} UTC</p><p class="hint">Loading evidence…</p>`;
  // A version of many statements would make too long an address: then the position's
  // claims are fetched and sorted here.
  const few = v.statement_ids.length <= 100;
  const statements = new Set(v.statement_ids);
  const backing = (await allPages("/claims", { actor: actorId, topic, ...(few ? { statement: v.statement_ids } : {}) }))
    .filter((c) => statements.has(c.statement_id));
  if (state.selected !== key) return;  // another band was clicked meanwhile
  detail.querySelector(".hint").remove();
  const list = document.createElement("ol");
  list.className = "evidence";
  list.innerHTML = backing.map((c) => {
    const where = c.url ? `<a href="${escapeText(c.url)}" rel="noreferrer">${escapeText(c.url)}</a>`
      : `<a href="/articles/${encodeURIComponent(c.article_id)}">${escapeText(c.source)}</a>`;
    return `<li data-claim="${escapeText(c.claim_id)}"><blockquote class="quote">${escapeText(c.evidence)}</blockquote>`
      + `<div>${escapeText(c.outlet ?? "unknown outlet")}, ${c.published_at ?? "undated"} · ${c.stance}</div>`
      + `<div class="source">${where}</div><div class="claim-id">claim ${escapeText(c.claim_id)}</div></li>`;
  }).join("");
  detail.append(list);
  if (!backing.length) detail.insertAdjacentHTML("beforeend", "<p class=\"hint\">No claim of this version is in the projection.</p>");
}

// --- live ----------------------------------------------------------------------------

async function redrawPosition(actorId, topic, place) {
  if (!TOPICS.includes(topic)) return;
  // `after`: the answer waits until the projection has applied this change (the event
  // reaches the page from the log, maybe before the projection has taken it).
  const fresh = await allPages("/history", historyParams({ actor: actorId, topic, ...(place ? { after: place } : {}) }));
  state.versions = state.versions.filter((v) => !(v.actor_id === actorId && v.topic === topic)).concat(fresh);
  if (!state.actors.has(actorId)) await loadActors();
  draw();
  if (state.selected?.startsWith(`${actorId}|${topic}|`)) await showEvidence(state.selected);  // it may have moved
  state.live += 1;
  $("timeline").dataset.live = String(state.live);
  const row = document.querySelector(`.row[data-actor="${CSS.escape(actorId)}"][data-topic="${topic}"]`);
  if (row) {
    row.classList.add("fresh");
    setTimeout(() => row.classList.remove("fresh"), 4000);
  }
}

function follow() {
  const source = new EventSource("/events");
  source.onopen = () => $("live").classList.add("on");
  source.onerror = () => $("live").classList.remove("on");
  let queue = Promise.resolve();
  for (const type of ["PositionChanged", "PositionRevised", "PositionCorroborated"]) {
    source.addEventListener(type, (message) => {
      if (state.knownAt) return;  // a picture of the past does not move
      const { actor_id: actorId, topic } = JSON.parse(message.data).data;
      queue = queue.then(() => redrawPosition(actorId, topic, message.lastEventId)).catch(showError);
    });
  }
  // Back after longer than the log keeps: the changes missed are gone, so read it all again.
  source.addEventListener("gap", () => {
    if (!state.knownAt) queue = queue.then(reload).catch(showError);
  });
}

// --- wiring --------------------------------------------------------------------------

function showError(error) {
  $("status").textContent = `Could not load: ${error.message}`;
}

async function reload() {
  await loadVersions();
  draw();
  if (state.selected) await showEvidence(state.selected);
}

function setKnownAt(value) {
  state.knownAt = value ? new Date(`${value}Z`).toISOString().replace(".000Z", "Z") : null;
  if (!value) $("known-at").value = "";
  reload().catch(showError);
}

function start() {
  legend();
  for (const id of ["filter-actor", "filter-side", "filter-topic"]) $(id).addEventListener("change", draw);
  $("known-at").addEventListener("change", (e) => setKnownAt(e.target.value));
  $("known-now").addEventListener("click", () => setKnownAt(""));
  const svg = $("timeline");
  svg.addEventListener("click", (e) => {
    const target = e.target.closest(".band");
    if (target) showEvidence(target.dataset.key).catch(showError);
  });
  svg.addEventListener("keydown", (e) => {
    const target = e.target.closest(".band");
    if (target && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      showEvidence(target.dataset.key).catch(showError);
    }
  });
  window.addEventListener("resize", () => draw());
  Promise.all([loadActors(), loadVersions()]).then(draw).then(follow).catch(showError);
}

start();
