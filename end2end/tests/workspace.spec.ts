import { expect, type Browser, type Page } from "@playwright/test";
import { test, ADMIN, AGENT, customerWithTicket, open, register, signIn, staffOn, uniqueEmail } from "./helpers";

async function say(page: Page, text: string): Promise<void> {
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("textbox", { name: "Message" }).press("Enter");
}

/** The page scrolls sideways by no more than a pixel (rounding). */
async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `horizontal overflow on ${page.url()}`).toBeLessThanOrEqual(1);
}

/** Screenshots at 1280 and 390 px; at 390 the header's menu folded, as a phone shows it. */
async function shoot(page: Page, name: string): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    if (width === 390) {
      await page.evaluate(() => document.querySelector(".nav-menu")?.removeAttribute("open"));
      await expectNoHorizontalScroll(page);
    }
    await page.screenshot({ path: `screenshots/${name}-${width}.png` });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.evaluate(() => document.querySelector(".nav-menu")?.setAttribute("open", ""));
}

test("the conversation: own messages right, the other side left, grouped, with changes as sentences", async ({ browser }) => {
  const { user, id } = await customerWithTicket(browser, "My invoice shows the wrong address");
  // Before anyone answers, the thread says what happens next.
  await expect(user.getByTestId("messages")).toContainText("An agent will reply here");
  const agent = await staffOn(browser, AGENT, id);
  await expect(agent.getByTestId("messages")).toContainText("No replies yet");

  await say(user, "It says Main St instead of Oak Ave.");
  await say(user, "Can you fix it?");
  await expect(agent.getByTestId("messages")).toContainText("Can you fix it?");
  await say(agent, "Sure, one moment.");
  await expect(user.getByTestId("messages")).toContainText("Sure, one moment.");
  await expect(user.getByTestId("messages")).not.toContainText("An agent will reply here");

  // The viewer's own messages are on the right (in the accent), the other side's on the left.
  const thread = user.locator(".thread");
  const box = (await thread.boundingBox())!;
  const mine = (await user.locator("li.message.mine .bubble", { hasText: "Can you fix it?" }).boundingBox())!;
  const theirs = (await user.locator("li.message.theirs .bubble", { hasText: "Sure, one moment." }).boundingBox())!;
  expect(box.x + box.width - (mine.x + mine.width)).toBeLessThan(40);
  expect(theirs.x - box.x).toBeLessThan(40);
  // Bubbles shrink to their text.
  expect(theirs.width).toBeLessThan(box.width * 0.7);
  // The description opens the thread; messages in a row from one person share one name and time.
  await expect(user.locator("li.message.mine.opening")).toHaveClass(/first/);
  await expect(user.locator("li.message.mine.opening")).toContainText("My invoice shows the wrong address");
  await expect(user.locator("li.message.mine", { hasText: "It says Main St" })).not.toHaveClass(/first/);
  await expect(user.locator("li.message.mine", { hasText: "Can you fix it?" })).not.toHaveClass(/first/);
  await expect(user.locator("li.message.theirs", { hasText: "Sure, one moment." })).toHaveClass(/first/);
  // On the agent's screen the same messages are the other side's, named.
  await expect(agent.locator("li.message.theirs.first.opening .sender")).toHaveText("Cora Customer");
  // Times are <time> elements, relative, with the full date on hover.
  const time = user.locator("li.message.first time").last();
  await expect(time).toHaveAttribute("datetime", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  await expect(time).toHaveText(/now|sec|min/);
  await expect(time).toHaveAttribute("title", /\d{4}/);

  // Status and assignment changes read as sentences with their actor, also after a reload.
  await agent.getByRole("button", { name: "Assign to me" }).click();
  await expect(user.getByTestId("messages")).toContainText("Abe took this ticket");
  await agent.getByRole("button", { name: "Mark resolved" }).click();
  await expect(user.getByTestId("messages")).toContainText("Abe marked this ticket resolved");
  await user.getByRole("button", { name: "Reopen" }).click();
  await expect(agent.getByTestId("messages")).toContainText("Cora Customer reopened this ticket");
  await open(agent, `/app/inbox/${id}`);
  await expect(agent.getByTestId("messages")).toContainText("Abe took this ticket");

  // The agent's sidebar: the ticket's facts and the customer's other tickets.
  const side = agent.getByRole("complementary", { name: "About this ticket" });
  await expect(side).toContainText("Cora Customer");
  await expect(side).toContainText("None: this is their first ticket.");

  await shoot(user, "ticket-user");
  await shoot(agent, "ticket-agent");
});

test("the thread stays at the newest message, and offers a way down when scrolled up", async ({ browser }) => {
  const { user, id } = await customerWithTicket(browser, "Lots to say");
  const agent = await staffOn(browser, AGENT, id);
  // Within the send budget (10 at once), long enough to overflow the pane.
  for (let i = 1; i <= 8; i++) await say(user, `line ${i}\nsecond\nthird\nfourth`);
  await expect(agent.getByTestId("messages")).toContainText("line 8");
  // At the bottom: the newest message is in view, no marker.
  await expect(agent.locator("li.message", { hasText: "line 8" })).toBeInViewport();
  await expect(agent.getByRole("button", { name: "New messages ↓" })).toHaveCount(0);
  // The composer stays in view however long the thread is.
  await expect(agent.getByRole("textbox", { name: "Message" })).toBeInViewport();

  await agent.locator(".thread").evaluate((pane) => pane.scrollTo({ top: -100_000 }));
  await say(user, "are you still there?");
  const marker = agent.getByRole("button", { name: "New messages ↓" });
  await expect(marker).toBeVisible();
  await marker.click();
  await expect(agent.locator("li.message", { hasText: "are you still there?" })).toBeInViewport();
  await expect(marker).toHaveCount(0);
  // The lists preview the newest message with its age: named for the agent, "You" for its author.
  await open(agent, "/app/inbox");
  await expect(agent.locator(`[data-ticket-id="${id}"] .preview`)).toHaveText(/^Cora Customer: are you still there\? · /);
  await open(user, "/app/tickets");
  await expect(user.locator(`[data-ticket-id="${id}"] .preview`)).toHaveText(/^You: are you still there\? · /);
});

test("closing asks first, then ends the conversation for both sides", async ({ browser }) => {
  const { user, id } = await customerWithTicket(browser, "Please close this one");
  const admin = await staffOn(browser, ADMIN, id);
  await admin.getByText("Close without resolving").click();
  const confirm = admin.getByRole("group", { name: "Confirm closing" });
  await expect(confirm).toContainText("cannot be reopened");
  await confirm.getByRole("button", { name: "Yes, close it" }).click();
  await expect(admin.getByTestId("ticket-status")).toHaveText("closed");
  await expect(user.getByTestId("ticket-status")).toHaveText("closed");
  await expect(user.getByRole("textbox", { name: "Message" })).toHaveCount(0);
  await expect(user.getByText("the conversation has ended")).toBeVisible();
  await expect(user.getByTestId("messages")).toContainText("Eda closed this ticket");
});

test("a new ticket appears in an agent's open inbox at once, highlighted", async ({ browser }) => {
  const agent = await (await browser.newContext()).newPage();
  await open(agent, "/login");
  await signIn(agent, AGENT.email, AGENT.password);
  await expect(agent).toHaveURL(/\/app\/inbox$/);
  await expect(agent.getByRole("navigation", { name: "Views" })).toBeVisible();
  await expect(agent.locator("body")).toHaveAttribute("data-hydrated", "true");
  const allOpen = agent.getByRole("link", { name: /All open/ }).locator(".count");
  await expect(allOpen).toHaveText(/^\d+$/);
  const before = Number(await allOpen.textContent());

  const description = `Brand new problem ${Date.now()}`;
  const { id } = await customerWithTicket(browser, description);
  const row = agent.locator(`[data-ticket-id="${id}"]`);
  await expect(row).toBeVisible();
  await expect(row).toHaveClass(/fresh/);
  await expect(row).toContainText(description);
  await expect(row).toContainText("waiting under a minute");
  await expect(allOpen).toHaveText(String(before + 1));
});

test("agents work the queue from the keyboard", async ({ browser }) => {
  const { user, id } = await customerWithTicket(browser, `Keyboard only ${Date.now()}`);
  const agent = await (await browser.newContext()).newPage();
  await open(agent, "/login");
  await signIn(agent, AGENT.email, AGENT.password);
  await expect(agent).toHaveURL(/\/app\/inbox$/);
  await expect(agent.locator("body")).toHaveAttribute("data-hydrated", "true");
  // The inbox puts urgent work first (other tests raise priorities): newest activity first here.
  await open(agent, "/app/inbox?sort=recent");
  await expect(agent.locator(`[data-ticket-id="${id}"]`)).toBeVisible();

  await agent.keyboard.press("?");
  await expect(agent.getByRole("dialog", { name: "Keyboard shortcuts" })).toContainText("Assign the open ticket to me");
  await agent.keyboard.press("Escape");
  await expect(agent.getByRole("dialog", { name: "Keyboard shortcuts" })).toHaveCount(0);

  // The newest ticket is the first row: j selects it, Enter opens it.
  await agent.keyboard.press("j");
  await expect(agent.locator(`[data-ticket-id="${id}"] .row-link`)).toBeFocused();
  await agent.keyboard.press("Enter");
  await expect(agent).toHaveURL(new RegExp(`/app/inbox/${id}$`));
  await expect(agent.getByTestId("connection")).toHaveText("live");
  await agent.keyboard.press("a");
  await expect(agent.getByTestId("ticket-status")).toHaveText("assigned");
  await agent.keyboard.press("c");
  await expect(agent.getByRole("textbox", { name: "Message" })).toBeFocused();
  await agent.keyboard.type("Typed without the mouse");
  await agent.keyboard.press("Enter");
  await expect(user.getByTestId("messages")).toContainText("Typed without the mouse");
  // Keys typed into the composer stay there: the "u" and "o" above neither left nor opened anything.
  await expect(agent).toHaveURL(new RegExp(`/app/inbox/${id}$`));
  await agent.getByRole("textbox", { name: "Message" }).blur();
  await agent.keyboard.press("r");
  await expect(user.getByTestId("ticket-status")).toHaveText("resolved");
  await agent.keyboard.press("u");
  await expect(agent).toHaveURL(/\/app\/inbox$/);
});

test("every main screen fits 390 px without sideways scrolling (screenshots at 1280 and 390)", async ({ browser }) => {
  // Six screens, each loaded at two widths.
  test.setTimeout(90_000);
  const visitor = await (await browser.newContext()).newPage();
  for (const [path, name] of [["/", "landing"], ["/login", "login"], ["/register", "register"]]) {
    await open(visitor, path);
    await shoot(visitor, name);
  }
  const { user } = await customerWithTicket(browser, "A screen to look at");
  for (const [path, name] of [["/app/tickets", "my-tickets"], ["/app/tickets/new", "new-ticket"]]) {
    await open(user, path);
    await shoot(user, name);
  }
});

test("the admin's screens fit 390 px too, with a phone menu, dashboard links and search", async ({ browser }) => {
  // Five screens, each loaded at two widths.
  test.setTimeout(120_000);
  const admin = await (await browser.newContext()).newPage();
  await open(admin, "/login");
  await signIn(admin, ADMIN.email, ADMIN.password);
  await expect(admin).toHaveURL(/\/app\/admin$/);
  for (const [path, name] of [
    ["/app/inbox", "inbox"],
    ["/app/admin", "admin-dashboard"],
    ["/app/admin/tickets", "admin-tickets"],
    ["/app/admin/users", "admin-users"],
    ["/app/admin/agents", "admin-agents"],
  ]) {
    await open(admin, path);
    await shoot(admin, name);
  }
  // Each figure of the dashboard leads to the list it counts; the page says how fresh it is.
  await open(admin, "/app/admin");
  await expect(admin.getByText(/^Updated (just now|\d+ s ago)$/)).toBeVisible();
  await expect(admin.getByTestId("team-summary")).toContainText(/\d+ online, \d+ away/);
  await admin.locator('[data-stat="Open"] dd a').click();
  await expect(admin).toHaveURL(/\/app\/admin\/tickets\?status=open$/);
  await expect(admin.getByLabel("Status")).toHaveValue("open");
  // People are found by name (the search is a plain GET form).
  await open(admin, "/app/admin/users");
  await admin.getByLabel("Search", { exact: true }).fill("Cora Cust");
  await admin.getByLabel("Search", { exact: true }).press("Enter");
  await expect(admin).toHaveURL(/q=Cora\+Cust/);
  await expect(admin.locator("tbody tr").first()).toContainText("Cora Customer");
  await expect(admin.locator("tbody tr", { hasNotText: "Cora Customer" })).toHaveCount(0);
  await admin.getByLabel("Search", { exact: true }).fill("nobody-has-this-name");
  await admin.getByLabel("Search", { exact: true }).press("Enter");
  await expect(admin.getByText("Nobody matches this search.")).toBeVisible();
  // On a phone the sections fold into a menu, which folds again after choosing one.
  await admin.setViewportSize({ width: 390, height: 844 });
  await open(admin, "/app/admin");
  const nav = admin.getByRole("navigation", { name: "Main" });
  await expect(nav).toBeHidden();
  await admin.locator(".nav-menu > summary").click();
  await nav.getByRole("link", { name: "Users" }).click();
  await expect(admin).toHaveURL(/\/app\/admin\/users$/);
  await expect(nav).toBeHidden();
});

test("an agent demoted while on a ticket gets one clear message and a way out", async ({ browser }) => {
  const { id } = await customerWithTicket(browser, `Demote me ${Date.now()}`);
  // A second agent, made from a new account, so the shared one stays as it is.
  const staff = await (await browser.newContext()).newPage();
  await register(staff, "Tia Temp", uniqueEmail("temp-agent"));
  await expect(staff).toHaveURL(/\/app\/tickets$/);
  const me = await (await staff.request.get("/api/auth/me")).json();
  const admin = await (await browser.newContext()).newPage();
  await open(admin, "/login");
  await signIn(admin, ADMIN.email, ADMIN.password);
  await expect(admin).toHaveURL(/\/app\/admin$/);
  const setRole = (role: string) => admin.request.post("/api/admin/set-role", { form: { user_id: String(me.id), role } });
  expect((await setRole("agent")).status()).toBe(200);
  await open(staff, `/app/inbox/${id}`);
  await expect(staff.getByTestId("connection")).toHaveText("live");
  await expect(staff.getByRole("complementary", { name: "About this ticket" })).toBeVisible();

  expect((await setRole("user")).status()).toBe(200);
  const gone = staff.getByTestId("ticket-unavailable");
  await expect(gone).toContainText("not available to you");
  // Nothing stale stays: no conversation, no sidebar, no actions.
  await expect(staff.getByRole("textbox", { name: "Message" })).toHaveCount(0);
  await expect(staff.getByRole("complementary")).toHaveCount(0);
  await expect(staff.getByRole("region", { name: "Ticket actions" })).toHaveCount(0);
  await gone.getByRole("link", { name: "Back to Inbox" }).click();
  // The page reloads as the person now is: a user, at their own tickets.
  await expect(staff).toHaveURL(/\/app\/tickets$/);
  await expect(staff.locator(".role-badge")).toHaveText("user");
});

test("an agent who acts on a ticket someone else just changed is told so, and sees it as it is", async ({ browser }) => {
  const { id } = await customerWithTicket(browser, `Race me ${Date.now()}`);
  // The agent's page hears nothing live (its socket goes nowhere), so it still offers what the
  // ticket allowed when it loaded: exactly the moment of a race.
  const agent = await (await browser.newContext()).newPage();
  await agent.routeWebSocket(/\/ws$/, () => {});
  await open(agent, "/login");
  await signIn(agent, AGENT.email, AGENT.password);
  await expect(agent).toHaveURL(/\/app\/inbox$/);
  await open(agent, `/app/inbox/${id}`);
  const actions = agent.getByRole("region", { name: "Ticket actions" });
  await expect(actions.getByRole("button", { name: "Assign to me" })).toBeVisible();

  // Meanwhile an admin closes it.
  const admin = await (await browser.newContext()).newPage();
  await open(admin, "/login");
  await signIn(admin, ADMIN.email, ADMIN.password);
  await expect(admin).toHaveURL(/\/app\/admin$/);
  await open(admin, `/app/inbox/${id}`);
  await admin.getByText("Close without resolving").click();
  await admin.getByRole("button", { name: "Yes, close it" }).click();
  await expect(admin.getByTestId("ticket-status")).toHaveText("closed");

  await actions.getByRole("button", { name: "Assign to me" }).click();
  await expect(agent.getByTestId("action-conflict")).toContainText("Someone else changed this ticket just before you");
  // The screen shows the truth: closed, nothing left to do.
  await expect(agent.getByTestId("ticket-status")).toHaveText("closed");
  await expect(actions.getByRole("button", { name: "Assign to me" })).toHaveCount(0);
});

test("acting on a ticket keeps the page: the reply being written stays, the header and facts follow", async ({ browser }) => {
  const { id } = await customerWithTicket(browser, `Keep my draft ${Date.now()}`);
  const agent = await staffOn(browser, AGENT, id);
  await expect(agent.getByTestId("connection")).toHaveText("live");
  const composer = agent.getByRole("textbox", { name: "Message" });
  await composer.fill("Half a reply");
  await agent.getByRole("button", { name: "Assign to me" }).click();
  await expect(agent.getByTestId("ticket-agent")).toHaveText("Abe");
  await agent.getByLabel("Priority").selectOption("high");
  await expect(agent.locator(".ticket-header").getByTestId("priority")).toHaveText("High");
  // Still the same page, still live, and the draft as it was.
  await expect(composer).toHaveValue("Half a reply");
  await expect(agent.getByTestId("connection")).toHaveText("live");
});
