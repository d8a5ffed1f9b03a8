import { expect } from "@playwright/test";
import { test, ADMIN, AGENT, customerWithTicket, open, staffOn } from "./helpers";

test("an admin sets SLA targets; the ticket counts down live, a reply meets it, the inbox shows and sorts by it, the customer sees none of it", async ({ browser }) => {
  test.setTimeout(90_000);
  const { user, id } = await customerWithTicket(browser, "My invoices are missing since Monday.", "Sam Sla");
  const admin = await staffOn(browser, ADMIN, id);

  // Targets: a bad value is refused on its field and nothing is saved; a good one is kept.
  await open(admin, "/app/admin/sla");
  const lowFirst = admin.getByLabel("Low · First response");
  await expect(lowFirst).toHaveValue("1d");
  await lowFirst.fill("soon");
  await admin.getByRole("button", { name: "Save targets" }).click();
  await expect(admin.locator("#low_first_response-error")).toContainText("Write a time like 30m");
  await expect(lowFirst).toHaveAttribute("aria-invalid", "true");
  await expect(lowFirst, "what was typed comes back with the refusal").toHaveValue("soon");
  await lowFirst.fill("5m");
  await admin.getByRole("button", { name: "Save targets" }).click();
  await expect(admin.getByRole("status").filter({ hasText: "Targets saved." })).toBeVisible();
  await admin.screenshot({ path: "screenshots/sla-settings-1280.png" });
  await admin.setViewportSize({ width: 390, height: 844 });
  await admin.screenshot({ path: "screenshots/sla-settings-390.png", fullPage: true });
  await admin.reload();
  await expect(admin.getByLabel("Low · First response")).toHaveValue("5m");
  await expect(admin.getByText("Targets saved."), "the notice is said once").toHaveCount(0);

  // On the ticket: the clocks, and under an hour left, a countdown by the second.
  const agent = await staffOn(browser, AGENT, id);
  const first = agent.getByTestId("sla-first-response");
  await expect(first).toContainText(/due in 7 h 5\d min/);
  await expect(agent.getByTestId("sla-resolution")).toContainText(/due in 2 d 23 h/);
  await agent.getByLabel("Priority").selectOption("low");
  await expect(first).toContainText(/due in 4 min \d\d s/);
  await expect(first).toHaveClass(/sla-soon/);
  await agent.screenshot({ path: "screenshots/ticket-sla-1280.png" });
  const shown = await first.locator("span").textContent();
  await expect(first.locator("span")).not.toHaveText(shown ?? "");

  // The inbox shows the clock on the row and can put what is due soonest first.
  await open(agent, "/app/inbox?sort=due");
  await expect(agent.getByLabel("Order")).toHaveValue("due");
  const row = agent.locator(`.queue-row[data-ticket-id="${id}"]`);
  await expect(row.getByTestId("sla-badge")).toContainText(/Reply in [1-4] min \d\d s/);
  await agent.screenshot({ path: "screenshots/inbox-sla-1280.png" });
  await agent.getByLabel("SLA").selectOption("breached");
  await expect(agent).toHaveURL(/sla=breached/);
  await expect(row).toHaveCount(0);

  // A reply from staff meets the target; the clock follows at once, without a reload.
  await open(agent, `/app/inbox/${id}`);
  await expect(agent.getByTestId("connection")).toHaveText("live");
  await agent.getByRole("textbox", { name: "Message" }).fill("Looking into your invoices now.");
  await agent.getByRole("textbox", { name: "Message" }).press("Enter");
  await expect(agent.getByTestId("sla-first-response").locator("span")).toHaveText("met");
  await expect(agent.getByTestId("sla-first-response")).toHaveClass(/sla-done/);

  // The customer sees no clocks anywhere.
  await expect(user.getByText("Looking into your invoices now.")).toBeVisible();
  await expect(user.getByTestId("sla-first-response")).toHaveCount(0);
  await open(user, "/app/tickets");
  await expect(user.locator(`.queue-row[data-ticket-id="${id}"]`)).toBeVisible();
  await expect(user.getByTestId("sla-badge")).toHaveCount(0);

  // Leave the shared targets as they were.
  await open(admin, "/app/admin/sla");
  await admin.getByLabel("Low · First response").fill("1d");
  await admin.getByRole("button", { name: "Save targets" }).click();
  await expect(admin.getByRole("status").filter({ hasText: "Targets saved." })).toBeVisible();
});

test("without JavaScript the SLA targets are a plain form", async ({ browser }) => {
  const { id } = await customerWithTicket(browser, "Targets without scripts.", "Nia Noscript");
  const admin = await staffOn(browser, ADMIN, id);
  const plain = await (await browser.newContext({ javaScriptEnabled: false, storageState: await admin.context().storageState() })).newPage();
  await plain.goto("/app/admin/sla");
  await expect(plain.getByLabel("Urgent · First response")).toHaveValue("1h");
  await plain.getByLabel("Urgent · First response").fill("45m");
  await plain.getByRole("button", { name: "Save targets" }).click();
  await expect(plain).toHaveURL(/\/app\/admin\/sla\??$/);
  await expect(plain.getByLabel("Urgent · First response")).toHaveValue("45m");
  await plain.getByLabel("Urgent · First response").fill("1h");
  await plain.getByRole("button", { name: "Save targets" }).click();
  await expect(plain.getByLabel("Urgent · First response")).toHaveValue("1h");
  // The ticket's clocks read as of the page's load.
  await plain.goto(`/app/inbox/${id}`);
  await expect(plain.getByTestId("sla-first-response")).toContainText(/due in 7 h 5\d min/);
  // So does the inbox, with the row's clock (its tab counts need JavaScript).
  await plain.goto("/app/inbox");
  await expect(plain.locator(`.queue-row[data-ticket-id="${id}"]`).getByTestId("sla-badge")).toContainText(/Reply in 7 h 5\d min/);
});
