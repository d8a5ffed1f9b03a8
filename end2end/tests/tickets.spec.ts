import { expect, type Browser, type Page } from "@playwright/test";
import { test, ADMIN, AGENT, customerWithTicket, hydrated, open, register, signIn, staffOn, uniqueEmail } from "./helpers";

async function signedIn(browser: Browser, who: { email: string; password: string }): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await open(page, "/login");
  await signIn(page, who.email, who.password);
  await expect(page).toHaveURL(/\/app\//);
  return page;
}

async function newUser(browser: Browser, name: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await register(page, name, uniqueEmail(name.split(" ")[0].toLowerCase()));
  await expect(page).toHaveURL(/\/app\/tickets$/);
  return page;
}

async function openTicket(page: Page, description: string, subject = ""): Promise<string> {
  await open(page, "/app/tickets/new");
  if (subject) await page.getByLabel("Subject").fill(subject);
  await page.getByLabel("Describe your issue").fill(description);
  await page.getByRole("button", { name: "Open ticket" }).click();
  await expect(page).toHaveURL(/\/app\/tickets\/\d+$/);
  return page.url().split("/").pop()!;
}

function stat(page: Page, label: string) {
  return page.locator(`[data-stat="${label}"] dd`);
}

test("a ticket goes from the user through the agent and shows up for everyone", async ({ browser }) => {
  const admin = await signedIn(browser, ADMIN);
  await expect(admin).toHaveURL(/\/app\/admin$/);
  const totalBefore = Number(await stat(admin, "Total tickets").textContent());
  const resolvedBefore = Number(await stat(admin, "Resolved").textContent());

  const user = await newUser(browser, "Tina Ticket");
  const subject = `Cannot export ${Date.now()}`;
  const id = await openTicket(user, "The export button does nothing.\nTried twice.", subject);
  await expect(user.getByRole("heading", { level: 1 })).toHaveText(subject);
  await expect(user.getByTestId("ticket-status")).toHaveText("open");
  await expect(user.getByTestId("ticket-agent")).toHaveText("Unassigned");
  await open(user, "/app/tickets");
  await expect(user.locator(`[data-ticket-id="${id}"]`)).toContainText(subject);

  const agent = await signedIn(browser, AGENT);
  await expect(agent).toHaveURL(/\/app\/inbox$/);
  const row = agent.locator(`[data-ticket-id="${id}"]`);
  await expect(row).toContainText("Tina Ticket");
  await expect(row).toContainText("open");
  await row.getByRole("link", { name: subject }).click();
  await expect(agent).toHaveURL(new RegExp(`/app/inbox/${id}$`));
  await expect(agent.getByRole("button", { name: "Mark resolved" })).toHaveCount(0);
  await agent.getByRole("button", { name: "Assign to me" }).click();
  await expect(agent.getByTestId("ticket-status")).toHaveText("assigned");
  await expect(agent.getByTestId("ticket-agent")).toHaveText("Abe");
  await agent.getByRole("button", { name: "Mark resolved" }).click();
  await expect(agent.getByTestId("ticket-status")).toHaveText("resolved");
  await expect(agent.getByRole("button", { name: "Reopen" })).toBeVisible();

  await user.goto(`/app/tickets/${id}`);
  await expect(user.getByTestId("ticket-status")).toHaveText("resolved");
  await expect(user.getByTestId("ticket-agent")).toHaveText("Abe");

  await admin.reload();
  await expect(stat(admin, "Total tickets")).toHaveText(String(totalBefore + 1));
  await expect(stat(admin, "Resolved")).toHaveText(String(resolvedBefore + 1));
  await expect(stat(admin, "connected_clients")).toBeVisible();
});

test("a ticket without a description is refused next to the field", async ({ browser }) => {
  const user = await newUser(browser, "Vera Valid");
  await open(user, "/app/tickets/new");
  await user.getByLabel("Subject").fill("Only a subject");
  await user.getByLabel("Describe your issue").fill("   ");
  await user.getByRole("button", { name: "Open ticket" }).click();
  await expect(user.locator("#description-error")).toHaveText("Please describe your issue.");
  await expect(user.getByLabel("Subject")).toHaveValue("Only a subject");
  await expect(user).toHaveURL(/\/app\/tickets\/new$/);
  await open(user, "/app/tickets");
  await expect(user.getByText("You have no tickets yet.")).toBeVisible();
});

test("a user cannot open another user's ticket", async ({ browser }) => {
  const owner = await newUser(browser, "Olive Owner");
  const secret = `Private matter ${Date.now()}`;
  const id = await openTicket(owner, secret);

  const stranger = await newUser(browser, "Sid Stranger");
  await stranger.goto(`/app/tickets/${id}`);
  await expect(stranger.getByRole("alert")).toContainText("This ticket is not available to you");
  await expect(stranger.getByRole("alert").getByRole("link", { name: "Back to My tickets" })).toBeVisible();
  await expect(stranger.getByText(secret)).toHaveCount(0);
});

test("the inbox's views and filters apply at once, each view with its count", async ({ browser }) => {
  const user = await newUser(browser, "Fran Filter");
  const id = await openTicket(user, `Filter me ${Date.now()}`);
  const agent = await signedIn(browser, AGENT);
  await open(agent, "/app/inbox");
  const views = agent.getByRole("navigation", { name: "Views" });
  await views.getByRole("link", { name: /Unassigned/ }).click();
  await expect(agent).toHaveURL(/assignment=unassigned/);
  await expect(agent.locator(`[data-ticket-id="${id}"]`)).toBeVisible();
  await expect(views.getByRole("link", { name: /Unassigned/ })).toHaveAttribute("aria-current", "page");
  await expect(views.getByRole("link", { name: /Unassigned/ }).locator(".count")).toHaveText(/^[1-9]\d*$/);
  await views.getByRole("link", { name: /Mine/ }).click();
  await expect(agent).toHaveURL(/assignment=mine/);
  await expect(agent.locator(`[data-ticket-id="${id}"]`)).toHaveCount(0);
  // No "Apply" once the page runs: choosing a status filters at once, keeping the view.
  await expect(agent.getByRole("button", { name: "Apply" })).toBeHidden();
  await views.getByRole("link", { name: /Unassigned/ }).click();
  // Each view is a page of its own (a navigation): filter once it has loaded.
  await expect(agent).toHaveURL(/assignment=unassigned$/);
  await hydrated(agent);
  await agent.getByLabel("Status").selectOption("open");
  await expect(agent).toHaveURL(/assignment=unassigned&status=open/);
  await expect(agent.locator(`[data-ticket-id="${id}"]`)).toBeVisible();
  await hydrated(agent);
  await agent.getByLabel("Status").selectOption("resolved");
  await expect(agent.locator(`[data-ticket-id="${id}"]`)).toHaveCount(0);
});

/** Every page `page` loads or fetches from now on (data requests are not pages). */
function pagesLoadedBy(page: Page): string[] {
  const pages: string[] = [];
  page.on("request", (request) => {
    if (request.resourceType() === "document" || (request.headers()["accept"] ?? "").includes("text/html")) pages.push(request.url());
  });
  return pages;
}

/** Every ticket or list `page` loads from now on: what a live event used to make a view load again. */
function ticketLoadsBy(page: Page): string[] {
  const loads: string[] = [];
  page.on("request", (request) => {
    if (/\/api\/tickets\/(get|list)\b/.test(request.url())) loads.push(request.url());
  });
  return loads;
}

/** The tab's socket is connected and the page has loaded what a first connection makes it load. */
async function settled(page: Page): Promise<void> {
  await expect(page.locator(".app-header")).toHaveAttribute("data-live", "true");
  await page.waitForLoadState("networkidle");
}

test("an open ticket follows others' status, assignment and priority from the socket's reports, and its own forms load no page", async ({ browser }) => {
  const { user, id } = await customerWithTicket(browser, "The invoice shows the wrong address.", "Ada Address");
  const agent = await staffOn(browser, AGENT, id);
  const admin = await staffOn(browser, ADMIN, id);
  for (const page of [user, agent, admin]) await settled(page);
  const pages = [user, agent, admin].map(pagesLoadedBy);
  const loads = [user, agent, admin].map(ticketLoadsBy);

  await agent.getByRole("button", { name: "Assign to me" }).click();
  for (const page of [agent, admin, user]) {
    await expect(page.getByTestId("ticket-status")).toHaveText("assigned");
    await expect(page.getByTestId("ticket-agent")).toHaveText("Abe");
  }
  await admin.getByLabel("Priority").selectOption("high");
  await expect(agent.locator(".ticket-header").getByTestId("priority")).toHaveText("High");
  await expect(agent.getByLabel("Priority")).toHaveValue("high");
  await agent.getByRole("button", { name: "Mark resolved" }).click();
  for (const page of [agent, admin, user]) await expect(page.getByTestId("ticket-status")).toHaveText("resolved");
  // The customer is asked to rate it, and rates it in place; staff see the rating.
  await user.locator("label[for=score-5]").click();
  await user.getByRole("button", { name: "Send rating" }).click();
  await expect(user.getByTestId("rating-given")).toBeVisible();
  await expect(admin.getByTestId("ticket-rating")).toContainText("5");

  expect(pages).toEqual([[], [], []]);
  // The ticket came with each change: nobody loaded it again.
  expect(loads).toEqual([[], [], []]);
});

/** The inbox's tab counts as shown: unassigned, mine, all open. */
async function tabCounts(page: Page): Promise<number[]> {
  const views = page.getByRole("navigation", { name: "Views" });
  const counts = [];
  for (const name of [/Unassigned/, /Mine/, /All open/]) {
    counts.push(Number((await views.getByRole("link", { name }).locator(".count").textContent())?.replace(/\D/g, "")));
  }
  return counts;
}

test("an open inbox takes a new ticket and its messages live, without loading any page", async ({ browser }) => {
  const agent = await signedIn(browser, AGENT);
  // Newest first, so that the new ticket is on the first page whatever other tests left.
  await open(agent, "/app/inbox?sort=recent");
  await settled(agent);
  const pages = pagesLoadedBy(agent);
  const loads = ticketLoadsBy(agent);
  const recounts: string[] = [];
  agent.on("request", (request) => {
    if (request.url().includes("/api/tickets/inbox-counts")) recounts.push(request.url());
  });

  const user = await newUser(browser, "Liv Live");
  const subject = `Live row ${Date.now()}`;
  const id = await openTicket(user, "The dashboard shows yesterday's numbers.", subject);
  const row = agent.locator(`[data-ticket-id="${id}"]`);
  await expect(row).toContainText(subject);
  await expect(row).toHaveClass(/fresh/);

  await expect(user.getByTestId("connection")).toHaveText("live");
  for (const text of ["Still yesterday's numbers.", "And now the day before."]) {
    await user.getByRole("textbox", { name: "Message" }).fill(text);
    await user.getByRole("textbox", { name: "Message" }).press("Enter");
    await expect(row.locator(".preview")).toContainText(text);
  }
  await expect(row.getByTestId("unread")).toHaveText("2");
  // Someone else takes it: the row follows.
  const other = await staffOn(browser, ADMIN, id);
  await other.getByRole("button", { name: "Assign to me" }).click();
  await expect(row.locator(".agent")).toContainText("Eda");
  await expect(row.locator(".status")).toHaveClass(/status-assigned/);
  // The tabs counted the new ticket and its move from the socket's reports, as the server
  // counts them (other tests move tickets meanwhile: the two meet once things settle).
  await expect(async () => {
    const counts = await (await agent.request.get("/api/tickets/inbox-counts")).json();
    expect(await tabCounts(agent)).toEqual([counts.unassigned, counts.mine, counts.all]);
  }).toPass();
  expect(pages).toEqual([]);
  expect(loads).toEqual([]);
  expect(recounts).toEqual([]);
});
