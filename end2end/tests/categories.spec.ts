import { expect } from "@playwright/test";
import { test, ADMIN, AGENT, adminSignedIn, open, register, signIn, uniqueEmail } from "./helpers";

test("an admin adds a category, and a customer's ticket in it gets a title made for them", async ({ browser }) => {
  test.setTimeout(60_000);
  const admin = await (await browser.newContext()).newPage();
  await open(admin, "/login");
  await signIn(admin, ADMIN.email, ADMIN.password);
  await expect(admin).toHaveURL(/\/app\/admin$/);
  await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Categories" }).click();
  await expect(admin).toHaveURL(/\/app\/admin\/categories$/);

  const name = `Billing ${Date.now() % 100000}`;
  const form = admin.getByRole("region", { name: "New category" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("First message").fill("Thanks! Please include your invoice number.");
  await form.getByLabel("Default agent").selectOption({ label: "Abe" });
  await form.getByRole("button", { name: "Add category" }).click();
  const row = admin.locator(`[data-category="${name}"]`);
  await expect(row).toContainText("Thanks! Please include your invoice number.");
  await expect(row).toContainText("Abe");
  await expect(form.getByLabel("Name"), "a fresh form for the next one").toHaveValue("");
  const id = await (await admin.request.get("/api/admin/categories/list")).json().then((list) => list.find((c: { name: string }) => c.name === name).id);

  try {
    // While a category is active, a customer must choose one; the title is made for them.
    const user = await (await browser.newContext()).newPage();
    await register(user, "Cora Category", uniqueEmail("category"));
    await expect(user).toHaveURL(/\/app\/tickets$/);
    // Abe, the category's agent, has his queue open.
    const agent = await (await browser.newContext()).newPage();
    await open(agent, "/login");
    await signIn(agent, AGENT.email, AGENT.password);
    await expect(agent).toHaveURL(/\/app\/inbox$/);
    await open(agent, "/app/inbox?assignment=mine");
    await open(user, "/app/tickets/new");
    await user.getByLabel("Category").selectOption({ label: name });
    await user.getByLabel("Describe your issue").fill("My invoice is missing.");
    await user.getByRole("button", { name: "Open ticket" }).click();
    await expect(user).toHaveURL(/\/app\/tickets\/\d+$/);
    await expect(user.getByRole("heading", { level: 1 })).toHaveText(`Cora Category · ${name} #1`);
    await expect(user.getByTestId("ticket-category")).toHaveText(name);
    // The bot's greeting comes first, and the category's agent has the ticket already.
    await expect(user.locator(".message.from-system")).toContainText("Thanks! Please include your invoice number.");
    await expect(user.locator(".message.from-system")).toContainText("Automatic message");
    await expect(user.getByTestId("ticket-agent")).toHaveText("Abe");
    await expect(user.getByTestId("ticket-status")).toHaveText("assigned");
    await expect(user.locator(".change").first()).toContainText("MyRelay assigned this ticket to Abe");
    // It arrives in his queue at once, with the bot's greeting as its preview.
    const queued = agent.locator(".queue-row", { hasText: `Cora Category · ${name} #1` });
    await expect(queued).toBeVisible();
    await expect(queued.locator(".preview")).toContainText("MyRelay: Thanks! Please include your invoice number.");
    // The customer answers (once the ticket's page runs): the row's preview follows live, first
    // line only, from its sender.
    await expect(user.getByTestId("connection")).toHaveText("live");
    await user.getByRole("textbox", { name: "Message" }).fill("It is invoice 42.");
    await user.getByRole("textbox", { name: "Message" }).press("Enter");
    await expect(queued.locator(".preview")).toContainText("Cora Category: It is invoice 42.");
    await expect(queued).toHaveClass(/attention/);
    await user.screenshot({ path: "screenshots/ticket-in-category-1280.png" });
    await admin.screenshot({ path: "screenshots/admin-categories-1280.png", fullPage: true });
    await admin.setViewportSize({ width: 390, height: 844 });
    const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await admin.screenshot({ path: "screenshots/admin-categories-390.png", fullPage: true });
    await admin.setViewportSize({ width: 1280, height: 800 });

    // The lists filter by category, at once.
    await open(admin, "/app/admin/tickets");
    await admin.getByLabel("Category").selectOption({ label: name });
    await expect(admin).toHaveURL(new RegExp(`category=${id}$`));
    await expect(admin.locator(".queue-row")).toHaveCount(1);
    await expect(admin.locator(".queue-row")).toContainText(`Cora Category · ${name} #1`);
    await open(admin, "/app/admin/categories");

    // Deactivated, it is no longer offered.
    await row.getByRole("button", { name: "Deactivate" }).click();
    await expect(row).toContainText("deactivated");
    await open(user, "/app/tickets/new");
    await expect(user.getByLabel("Category")).toHaveCount(0);
  } finally {
    // Other tests open tickets without a category: never leave one active.
    await admin.request.post("/api/admin/categories/set-active", { form: { id: String(id), active: "false" } });
  }
});

test("an admin makes an agent responsible for a customer, who then takes their new tickets", async ({ browser }) => {
  const customer = `Rita ${Date.now() % 100000}`;
  const email = uniqueEmail("responsible");
  const user = await (await browser.newContext()).newPage();
  await register(user, customer, email);
  await expect(user).toHaveURL(/\/app\/tickets$/);

  const admin = await adminSignedIn(browser);
  await open(admin, `/app/admin/users?q=${encodeURIComponent(email)}`);
  const row = admin.locator("tr", { hasText: email });
  await row.locator("summary", { hasText: "Actions" }).click();
  await row.getByLabel(`Responsible agent of ${customer}`).selectOption({ label: "Abe" });
  await row.getByRole("button", { name: "Set agent" }).click();
  await expect(admin.getByRole("status")).toHaveText(`Abe now takes ${customer}'s new tickets.`);
  await expect(admin.locator("tr", { hasText: email })).toContainText("Tickets go to Abe");

  await open(user, "/app/tickets/new");
  await user.getByLabel("Describe your issue").fill("Who answers me?");
  await user.getByRole("button", { name: "Open ticket" }).click();
  await expect(user).toHaveURL(/\/app\/tickets\/\d+$/);
  await expect(user.getByTestId("ticket-agent")).toHaveText("Abe");
  await expect(user.getByTestId("ticket-status")).toHaveText("assigned");
  await expect(user.locator(".change").first()).toContainText("MyRelay assigned this ticket to Abe");
});
