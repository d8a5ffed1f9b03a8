// Driven by bench/navigation.sh, which starts the server (MYRELAY_URL) with the staff
// admin@bench.test and agent@bench.test (password "bench-password").
const { chromium } = require("@playwright/test");

const BASE = process.env.MYRELAY_URL;
const ROUNDS = Number(process.env.ROUNDS ?? 20);
const TICKETS = 10;
const LIVE_MESSAGES = 20;

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const ms = (value) => `${value.toFixed(0).padStart(5)} ms`;

/**
 * Counts what a page asks of the server: page loads, pages fetched by its scripts (HTML asked for
 * with `Accept: text/html`), other requests (data) and WebSockets opened.
 */
function meter(page) {
  const zero = { documents: 0, pages: 0, requests: 0, sockets: 0 };
  const counts = { ...zero };
  page.on("request", (request) => {
    if (request.resourceType() === "document") counts.documents += 1;
    else if (!["fetch", "xhr"].includes(request.resourceType())) return;
    else if ((request.headers()["accept"] ?? "").includes("text/html")) counts.pages += 1;
    else counts.requests += 1;
  });
  page.on("websocket", () => (counts.sockets += 1));
  return {
    take() {
      const now = { ...counts };
      Object.assign(counts, zero);
      return now;
    },
  };
}
const requests = (c) => `${c.documents} page loads, ${c.pages} pages fetched, ${c.requests} other requests`;

async function signIn(browser, email) {
  const page = await (await browser.newContext({ baseURL: BASE })).newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("bench-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/app\/(inbox|admin)$/);
  return page;
}

/** A server function called from the page, as its own scripts would (same origin, the page's cookie). */
async function call(page, path, fields) {
  return page.evaluate(
    async ({ path, fields }) => {
      const response = await fetch(path, { method: "POST", headers: { Accept: "application/json" }, body: new URLSearchParams(fields) });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return response.json();
    },
    { path, fields },
  );
}

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--no-first-run"] });
  const customer = await (await browser.newContext({ baseURL: BASE })).newPage();
  await customer.goto("/register");
  await customer.getByLabel("Your name").fill("Bench Customer");
  await customer.getByLabel("Email").fill("customer@bench.test");
  await customer.getByLabel("Password").fill("bench-password");
  await customer.getByRole("button", { name: "Create account" }).click();
  await customer.waitForURL(/\/app\/tickets$/);
  const ids = [];
  for (let n = 1; n <= TICKETS; n++) {
    ids.push((await call(customer, "/api/tickets/create", { subject: `Bench ticket ${n}`, description: `Something broke, take ${n}.` })).id);
  }
  const agent = await signIn(browser, "agent@bench.test");
  const admin = await signIn(browser, "admin@bench.test");
  const agentMeter = meter(agent);

  // 1. inbox → ticket → inbox, by clicking as a person would, each leg until its data shows.
  // The page has hydrated and its socket is open (the rows are in the server's HTML before).
  const opened = agent.waitForEvent("websocket");
  await agent.goto("/app/inbox");
  await agent.locator("li.queue-row").first().waitFor();
  await agent.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await opened;
  agentMeter.take();
  const toTicket = [];
  const toInbox = [];
  for (let round = 0; round < ROUNDS; round++) {
    const id = ids[round % ids.length];
    let started = performance.now();
    await agent.locator(`a.row-link[href="/app/inbox/${id}"]`).click();
    await agent.locator("#ticket-title").waitFor();
    await agent.locator('[data-testid="messages"] li').first().waitFor();
    toTicket.push(performance.now() - started);
    started = performance.now();
    await agent.locator('a[href="/app/inbox"]').first().click();
    await agent.locator("li.queue-row").first().waitFor();
    toInbox.push(performance.now() - started);
  }
  const navigation = agentMeter.take();
  console.log(`inbox → ticket (${ROUNDS}): p50 ${ms(percentile(toTicket, 50))}  p95 ${ms(percentile(toTicket, 95))}  max ${ms(Math.max(...toTicket))}`);
  console.log(`ticket → inbox (${ROUNDS}): p50 ${ms(percentile(toInbox, 50))}  p95 ${ms(percentile(toInbox, 95))}  max ${ms(Math.max(...toInbox))}`);
  const both = toTicket.map((t, i) => t + toInbox[i]);
  console.log(`round trip     (${ROUNDS}): p50 ${ms(percentile(both, 50))}  p95 ${ms(percentile(both, 95))}`);
  console.log(`  over ${2 * ROUNDS} navigations: ${requests(navigation)}, ${navigation.sockets} WebSockets opened`);

  // 2. The inbox open while customers write on its rows.
  agentMeter.take();
  for (let n = 1; n <= LIVE_MESSAGES; n++) {
    await call(customer, "/api/tickets/send-message", { ticket_id: String(ids[n % ids.length]), client_id: `bench-${n}`, content: `Bench message ${n}` });
    await customer.waitForTimeout(500);
  }
  await agent.locator("li.queue-row .preview", { hasText: `Bench message ${LIVE_MESSAGES}` }).waitFor();
  const inbox = agentMeter.take();
  console.log(`inbox while ${LIVE_MESSAGES} messages arrive: ${requests(inbox)}`);

  // 3. A ticket open while an admin assigns it, raises its priority and resolves it.
  const id = ids[0];
  await agent.goto(`/app/inbox/${id}`);
  await agent.locator('[data-testid="connection"]', { hasText: "live" }).waitFor();
  agentMeter.take();
  const ticket = await admin.evaluate(async (id) => (await fetch(`/api/tickets/get?id=${id}`, { headers: { Accept: "application/json" } })).json(), id);
  const agentId = await agent.evaluate(async () => (await fetch("/api/auth/me", { headers: { Accept: "application/json" } })).json().then((me) => me.id));
  const assigned = await call(admin, "/api/tickets/assign", { id: String(id), version: String(ticket.version ?? ticket.ticket?.version), agent_id: String(agentId) });
  await agent.locator('[data-testid="ticket-agent"]', { hasText: "Abe" }).waitFor();
  const raised = await call(admin, "/api/tickets/priority", { id: String(id), priority: "urgent" });
  await agent.locator('[data-testid="priority"]', { hasText: /urgent/i }).waitFor();
  await call(admin, "/api/tickets/status", { id: String(id), version: String(raised.version ?? assigned.version), action: "resolve" });
  await agent.locator('[data-testid="ticket-status"]', { hasText: /resolved/i }).waitFor();
  const changes = agentMeter.take();
  console.log(`ticket while assigned, reprioritised, resolved: ${requests(changes)}`);
  await browser.close();
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
