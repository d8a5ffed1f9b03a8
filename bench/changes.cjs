// What one live change to a ticket costs the server: W staff sockets follow T tickets (as W agents
// with the inbox open would), an admin changes the tickets K times, one after another; the
// server's CPU time over the changes is read from /proc. CHANGE=priority (the default) raises and
// lowers priorities; CHANGE=assignment hands the tickets between the agent and the admin (each a
// status or assignment change, which the inbox's tab counts follow). INBOX=1: the sockets also
// watch the inbox (`inbox:watch`, which hears `inbox:moved`). With RELOAD=1 each socket also does
// what the browser did before the reports carried the ticket: load its list (25 rows) once per
// `ticket:updated` it hears; with RECOUNT=1 what it did before `inbox:moved`: load the tab counts
// once per assignment or status change it hears. Run by bench/changes.sh (which starts the server).
const base = process.env.MYRELAY_URL;
const serverPid = process.env.SERVER_PID;
const W = Number(process.env.WATCHERS ?? 50);
const T = Number(process.env.TICKETS ?? 25);
const K = Number(process.env.CHANGES ?? 200);
const RELOAD = process.env.RELOAD === "1";
const RECOUNT = process.env.RECOUNT === "1";
const INBOX = process.env.INBOX === "1";
const CHANGE = process.env.CHANGE ?? "priority";
const fs = require("fs");

const cpuTicks = () => {
  const fields = fs.readFileSync(`/proc/${serverPid}/stat`, "utf8").split(") ")[1].split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (1/100 s)
};

async function post(cookie, path, form) {
  const response = await fetch(base + path, {
    method: "POST",
    headers: { accept: "application/json", origin: base, "content-type": "application/x-www-form-urlencoded", ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(form),
    redirect: "manual",
  });
  const set = response.headers.get("set-cookie");
  const body = await response.json().catch(() => null);
  if (response.status >= 400) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return { cookie: set ? set.split(";")[0] : cookie, body };
}

async function get(cookie, path) {
  const response = await fetch(base + path, { headers: { accept: "application/json", cookie } });
  if (response.status >= 400) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

(async () => {
  const admin = (await post(null, "/api/auth/login", { email: "admin@bench.test", password: "bench-password" })).cookie;
  const agent = (await post(null, "/api/auth/login", { email: "agent@bench.test", password: "bench-password" })).cookie;
  const customer = (await post(null, "/api/auth/register", { email: `c${Date.now()}@bench.test`, display_name: "Cus Tomer", password: "bench-password" })).cookie;
  const ids = [];
  for (let n = 0; n < T; n++) ids.push((await post(customer, "/api/tickets/create", { description: `Bench ticket ${n}` })).body.id);

  const agentId = (await get(agent, "/api/auth/me")).id;
  const versions = new Map(ids.map((id) => [id, 1]));

  let heard = 0, reloads = 0, moves = 0, recounts = 0;
  const sockets = await Promise.all(
    Array.from({ length: W }, () => new Promise((resolve, reject) => {
      const socket = new WebSocket(base.replace("http", "ws") + "/ws", { headers: { cookie: agent, origin: base } });
      socket.onopen = () => {
        socket.send(JSON.stringify({ event: "tickets:watch", data: { ticket_ids: ids } }));
        if (INBOX) socket.send(JSON.stringify({ event: "inbox:watch", data: { on: true } }));
        // Answered after the watch: the watch is registered.
        socket.send(JSON.stringify({ event: "ticket:join", data: { ticket_id: 0 } }));
      };
      socket.onmessage = (message) => {
        const { event, data } = JSON.parse(message.data);
        if (event === "error" && data.ticket_id === 0) resolve(socket);
        if (event === "ticket:updated") {
          heard += 1;
          if (RELOAD) get(agent, "/api/tickets/list?limit=25").then(() => { reloads += 1; });
        }
        if (event === "inbox:moved") moves += 1;
        if (RECOUNT && (event === "ticket:assigned" || event === "ticket:status:updated")) {
          get(agent, "/api/tickets/inbox-counts").then(() => { recounts += 1; });
        }
      };
      socket.onerror = reject;
    })),
  );

  const expected = W * K;
  const before = cpuTicks();
  const started = performance.now();
  for (let n = 0; n < K; n++) {
    const id = ids[n % T];
    if (CHANGE === "assignment") {
      // The agent first, then the admin (themselves), and so on: every change is a reassignment.
      const to = Math.floor(n / T) % 2 ? {} : { agent_id: String(agentId) };
      const { body } = await post(admin, "/api/tickets/assign", { id: String(id), version: String(versions.get(id)), ...to });
      versions.set(id, body.version);
    } else {
      await post(admin, "/api/tickets/priority", { id: String(id), priority: n % 2 ? "high" : "urgent" });
    }
  }
  while (heard < expected || (RELOAD && reloads < expected) || (RECOUNT && recounts < expected)) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - started) / 1000;
  const cpuMs = (cpuTicks() - before) * 10;
  console.log(`${K} changes (${CHANGE}) heard by ${W} sockets each (${heard} reports, ${moves} inbox moves${RELOAD ? `, ${reloads} list loads` : ""}${RECOUNT ? `, ${recounts} count loads` : ""}) in ${seconds.toFixed(1)} s`);
  console.log(`server CPU: ${cpuMs} ms in all, ${(cpuMs / K).toFixed(2)} ms per change`);
  sockets.forEach((s) => s.close());
  process.exit(0);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
