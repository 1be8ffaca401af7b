// leadmock's page: it reads the admin plane (the journal through /__admin/ui/requests, polled;
// the state; faults, scenarios, coverage) and changes things only through the admin routes.
"use strict";

const ADMIN = "/__admin";
const POLL_MS = 500;
const KEPT = 2000; // requests the page holds; the oldest leave first
const SHOWN = 300;  // rows drawn at most, the newest that the filters keep
const $ = (id) => document.getElementById(id);

const requests = [];        // newest last
const known = new Set();    // entry keys already shown
let since = 0;
let selected = null;

async function call(path, options = {}) {
  const response = await fetch(ADMIN + path, options);
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = text; }
  if (!response.ok) {
    const why = body && body.error ? body.error : `${response.status} ${response.statusText}`;
    throw new Error(why);
  }
  return body;
}

function say(text) { $("status").textContent = text; }

function element(tag, attributes = {}, ...children) {
  const made = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") made.className = value;
    else made.setAttribute(name, value);
  }
  for (const child of children) made.append(child);
  return made;
}

// -- tabs -------------------------------------------------------------------------------

const tabs = ["requests", "state", "faults", "coverage"];
const onShow = { state: loadCollections, faults: loadFaults, coverage: loadCoverage };

function show(name, focus = false) {
  for (const tab of tabs) {
    const button = $(`tab-${tab}`);
    const chosen = tab === name;
    button.setAttribute("aria-selected", String(chosen));
    button.tabIndex = chosen ? 0 : -1;
    $(`view-${tab}`).hidden = !chosen;
    if (chosen && focus) button.focus();
  }
  if (onShow[name]) onShow[name]();
}

for (const tab of tabs) {
  $(`tab-${tab}`).addEventListener("click", () => show(tab));
  $(`tab-${tab}`).addEventListener("keydown", (event) => {
    const at = tabs.indexOf(tab);
    if (event.key === "ArrowRight") show(tabs[(at + 1) % tabs.length], true);
    if (event.key === "ArrowLeft") show(tabs[(at + tabs.length - 1) % tabs.length], true);
  });
}

// -- requests ---------------------------------------------------------------------------

async function poll() {
  try {
    const feed = await call(`/ui/requests?since=${since}`);
    let added = 0;
    for (const entry of feed.entries) {
      if (known.has(entry.key)) continue;
      known.add(entry.key);
      requests.push(entry);
      added += 1;
      since = Math.max(since, entry.at);
    }
    while (requests.length > KEPT) known.delete(requests.shift().key);
    if (added) { remember(feed.entries); render(); }
    say(feed.answers_kept ? "live · answers kept while this page is open" : "live");
  } catch (error) {
    say(`cannot read the journal: ${error.message}`);
  }
  setTimeout(poll, POLL_MS);
}

function remember(entries) {
  // The filters' choices: the APIs and operations seen so far.
  for (const [select, field] of [[$("f-api"), "api"], [$("f-operation"), "operation"]]) {
    const have = new Set([...select.options].map((option) => option.value));
    for (const entry of entries) {
      const value = entry[field];
      if (value && !have.has(value)) { select.append(element("option", {}, value)); have.add(value); }
    }
  }
}

function wanted(entry) {
  const api = $("f-api").value, operation = $("f-operation").value;
  const status = $("f-status").value, verdict = $("f-verdict").value;
  return (!api || entry.api === api) && (!operation || entry.operation === operation)
    && (!status || String(entry.status)[0] === status[0])
    && (!verdict || entry.verdict.kind === verdict);
}

function render() {
  const rows = [];
  for (let at = requests.length - 1; at >= 0; at -= 1) {
    const entry = requests[at];
    if (!wanted(entry)) continue;
    const kind = entry.verdict.kind;
    const row = element("tr", { tabindex: "0", "data-key": entry.key,
      "aria-selected": String(selected === entry.key) },
      element("td", {}, new Date(entry.at * 1000).toLocaleTimeString()),
      element("td", {}, entry.method),
      element("td", { class: "path", title: entry.path + (entry.query ? `?${entry.query}` : "") },
        entry.path + (entry.query ? `?${entry.query}` : "")),
      element("td", { class: `status-${String(entry.status)[0]}` }, String(entry.status)),
      element("td", {}, entry.api || "-"),
      element("td", {}, entry.operation || "-"),
      element("td", {}, entry.elapsed_ms.toFixed(1)),
      element("td", { class: `verdict verdict-${kind.replace(" ", "-")}` }, kind));
    row.addEventListener("click", () => open(entry));
    row.addEventListener("keydown", (event) => { if (event.key === "Enter") open(entry); });
    rows.push(row);
    if (rows.length === SHOWN) break;
  }
  $("requests").tBodies[0].replaceChildren(...rows);
  $("count").textContent = rows.length === SHOWN ? `the newest ${SHOWN}` : String(rows.length);
}

function headersText(headers) {
  return Object.entries(headers || {}).map(([name, value]) => `${name}: ${value}`).join("\n");
}

function pretty(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

async function open(line) {
  // A line has no bodies: the whole entry (request, answer, the failing rule) is read on a click.
  selected = line.key;
  for (const row of $("requests").tBodies[0].rows) {
    row.setAttribute("aria-selected", String(row.dataset.key === line.key));
  }
  let entry;
  try {
    entry = await call(`/ui/request?key=${encodeURIComponent(line.key)}`);
  } catch (error) {
    $("detail").replaceChildren(element("p", { class: "muted" }, `cannot read it: ${error.message}`));
    return;
  }
  if (selected !== line.key) return; // another line was opened meanwhile
  const parts = [element("h2", {}, `${entry.method} ${entry.path}${entry.query ? "?" + entry.query : ""}`),
    element("p", {}, `${entry.status} · ${entry.api || "-"} · ${entry.operation || "-"} · `
      + `${entry.elapsed_ms.toFixed(1)} ms · ${entry.verdict.kind}`)];
  const verdict = entry.verdict;
  if (verdict.rule) {
    parts.push(element("div", { class: "rule", id: "rule" },
      element("strong", {}, verdict.kind === "no answer" ? "Why no answer: " : "Failing rule: "),
      verdict.rule));
  }
  if (verdict.problems) {
    parts.push(element("div", { class: "rule", id: "rule" },
      element("strong", {}, "The answer breaks: "), verdict.problems.join("; ")));
  }
  parts.push(element("h2", {}, "Request"),
    element("pre", {}, headersText(entry.request.headers)),
    element("pre", {}, entry.request.body ? pretty(entry.request.body) : "(no body)"));
  parts.push(element("h2", {}, "Answer"));
  if (entry.answer) {
    parts.push(element("pre", {}, headersText(entry.answer.headers)),
      element("pre", {}, entry.answer.body ? pretty(entry.answer.body) : "(no body)"));
  } else {
    parts.push(element("p", { class: "muted" },
      "Not kept: answers are kept while this page is open (and never by a shared store's journal)."));
  }
  $("detail").replaceChildren(...parts);
}

for (const id of ["f-api", "f-operation", "f-status", "f-verdict"]) {
  $(id).addEventListener("change", render);
}
$("clear-journal").addEventListener("click", async () => {
  await call("/journal", { method: "DELETE" });
  requests.length = 0; known.clear(); render();
});

// -- state ------------------------------------------------------------------------------

let browsing = null;

async function loadCollections() {
  try {
    const listed = await call("/ui/state");
    const rows = listed.collections.map((part) => {
      const row = element("tr", { tabindex: "0", "data-collection": part.collection,
        "data-scope": part.scope ?? "" },
        element("td", {}, part.collection), element("td", {}, part.scope ?? "-"),
        element("td", {}, String(part.count)));
      const choose = () => browse(part.collection, part.scope, "");
      row.addEventListener("click", choose);
      row.addEventListener("keydown", (event) => { if (event.key === "Enter") choose(); });
      return row;
    });
    $("collections").tBodies[0].replaceChildren(...rows);
    if (browsing) browse(browsing.collection, browsing.scope, $("q").value);
  } catch (error) { say(`cannot read the state: ${error.message}`); }
}

async function browse(collection, scope, q) {
  browsing = { collection, scope };
  $("browse").hidden = false;
  $("browsing").textContent = scope ? `${collection} (${scope})` : collection;
  const query = new URLSearchParams({ collection, q });
  if (scope) query.set("scope", scope);
  const found = await call(`/ui/state?${query}`);
  $("found").textContent = `${found.total} document${found.total === 1 ? "" : "s"}`
    + (q ? ` holding "${q}"` : "") + (found.total > found.documents.length ? `, the first ${found.documents.length} shown` : "");
  const items = found.documents.map((item) => {
    const entry = element("li", { tabindex: "0" }, item.key);
    const choose = () => {
      for (const other of $("documents").children) other.setAttribute("aria-selected", "false");
      entry.setAttribute("aria-selected", "true");
      $("document").textContent = JSON.stringify(item.document, null, 2);
    };
    entry.addEventListener("click", choose);
    entry.addEventListener("keydown", (event) => { if (event.key === "Enter") choose(); });
    return entry;
  });
  $("documents").replaceChildren(...items);
  $("document").textContent = "";
}

$("search").addEventListener("submit", (event) => {
  event.preventDefault();
  if (browsing) browse(browsing.collection, browsing.scope, $("q").value);
});
$("state-refresh").addEventListener("click", loadCollections);
$("reset").addEventListener("click", async () => {
  await call("/reset", { method: "POST" });
  requests.length = 0; known.clear(); render();
  say("reset to the seed");
  await loadCollections();
});

// -- faults and scenarios ---------------------------------------------------------------

function describe(item) {
  return Object.entries(item).filter(([, value]) => value !== null && value !== undefined)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(", ");
}

async function loadFaults() {
  try {
    const [faults, scenarios] = await Promise.all([call("/faults"), call("/scenarios")]);
    $("faults").replaceChildren(...(faults.length ? faults.map((f) => element("li", {}, describe(f)))
      : [element("li", { class: "muted" }, "none")]));
    $("scenarios").replaceChildren(...(scenarios.length ? scenarios.map((s) => element("li", {}, describe(s)))
      : [element("li", { class: "muted" }, "none")]));
  } catch (error) { $("faults-error").textContent = error.message; }
}

async function change(path, options) {
  $("faults-error").textContent = "";
  try { await call(path, options); } catch (error) { $("faults-error").textContent = error.message; }
  await loadFaults();
}

const json = (body) => ({ method: "POST", headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body) });

$("fault-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const fault = { status: Number($("fault-status").value) };
  if ($("fault-api").value) fault.api = $("fault-api").value;
  if ($("fault-operation").value.trim()) fault.operation = $("fault-operation").value.trim();
  if ($("fault-times").value) fault.times = Number($("fault-times").value);
  if ($("fault-latency").value) fault.latency = Number($("fault-latency").value);
  change("/faults", json(fault));
});
$("faults-clear").addEventListener("click", () => change("/faults", { method: "DELETE" }));

$("scenario-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const scenario = { name: $("scenario-name").value };
  for (const pair of $("scenario-fields").value.split(",")) {
    const [name, ...rest] = pair.split("=");
    if (!name.trim()) continue;
    const text = rest.join("=").trim();
    scenario[name.trim()] = text === "true" ? true : text === "false" ? false
      : text !== "" && !Number.isNaN(Number(text)) ? Number(text) : text;
  }
  change("/scenarios", json(scenario));
});
$("scenarios-clear").addEventListener("click", () => change("/scenarios", { method: "DELETE" }));

// -- coverage ---------------------------------------------------------------------------

async function loadCoverage() {
  try {
    const report = await call("/coverage");
    const parts = [];
    for (const api of report.apis) {
      parts.push(element("h2", {}, `${api.api}: ${api.operations.covered} of ${api.operations.documented} operations, `
        + `${api.statuses.covered} of ${api.statuses.documented} documented statuses`));
      const rows = api.by_operation.map((op) => element("tr", {},
        element("td", {}, op.operation), element("td", {}, `${op.method} ${op.path}`),
        element("td", {}, String(op.calls)),
        element("td", {}, Object.keys(op.statuses_seen).join(", ") || "-"),
        element("td", {}, op.statuses_never_seen.join(", ") || "-")));
      parts.push(element("table", {},
        element("thead", {}, element("tr", {}, ...["operation", "route", "calls", "statuses seen",
          "documented, never seen"].map((head) => element("th", { scope: "col" }, head)))),
        element("tbody", {}, ...rows)));
    }
    if (report.apis_never_called.length) {
      parts.push(element("p", { class: "muted" }, `APIs never called: ${report.apis_never_called.join(", ")}`));
    }
    parts.push(element("p", { class: "muted" }, `Counted from ${report.counted_from}.`));
    $("coverage").replaceChildren(...parts);
  } catch (error) { say(`cannot read the coverage: ${error.message}`); }
}
$("coverage-refresh").addEventListener("click", loadCoverage);

// -- start ------------------------------------------------------------------------------

(async () => {
  try {
    const health = await call("/health");
    $("apis").textContent = health.apis.join(" · ");
    for (const api of health.apis) $("fault-api").append(element("option", {}, api));
  } catch (error) { say(`cannot reach the mock: ${error.message}`); }
  poll();
})();
