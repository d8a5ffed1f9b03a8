import { expect } from "@playwright/test";
import { test, ADMIN, AGENT, customerWithTicket, hydrated, open, staffOn } from "./helpers";

test("an agent sets the priority; other staff see it live, the inbox sorts and filters by it, the customer never sees it", async ({ browser }) => {
  test.setTimeout(60_000);
  const { user, id } = await customerWithTicket(browser, "The whole shop is down for every customer.", "Uma Urgent");
  const agent = await staffOn(browser, AGENT, id);
  const admin = await staffOn(browser, ADMIN, id);
  await expect(agent.getByTestId("ticket-source")).toHaveText("the web");
  await expect(agent.getByLabel("Priority")).toHaveValue("normal");
  await expect(agent.locator(".ticket-header").getByTestId("priority")).toHaveCount(0);

  // Choosing applies at once (no button with JavaScript on).
  await expect(agent.getByRole("button", { name: "Set" })).toBeHidden();
  await agent.getByLabel("Priority").selectOption("urgent");
  await expect(agent.locator(".ticket-header").getByTestId("priority")).toHaveText("Urgent");
  // The admin's open page hears of it without a reload.
  await expect(admin.locator(".ticket-header").getByTestId("priority")).toHaveText("Urgent");
  await expect(admin.getByLabel("Priority")).toHaveValue("urgent");
  await agent.screenshot({ path: "screenshots/ticket-priority-1280.png" });

  // The inbox puts the most urgent work first, with its badge, and filters by priority.
  await open(agent, "/app/inbox");
  await expect(agent.getByLabel("Order")).toHaveValue("priority");
  const first = agent.locator(".queue-row").first();
  await expect(first).toHaveAttribute("data-ticket-id", id);
  await expect(first.getByTestId("priority")).toHaveText("Urgent");
  await agent.getByLabel("Priority").selectOption("low");
  await expect(agent).toHaveURL(/priority=low/);
  await expect(agent.locator(`.queue-row[data-ticket-id="${id}"]`)).toHaveCount(0);
  // A filter is a navigation: the next choice applies once it has loaded.
  await hydrated(agent);
  await agent.getByLabel("Priority").selectOption("urgent");
  await expect(agent.locator(`.queue-row[data-ticket-id="${id}"]`)).toBeVisible();
  await agent.screenshot({ path: "screenshots/inbox-priority-1280.png" });

  // Customers never see a priority, on their ticket or in their list.
  await user.reload();
  await expect(user.getByTestId("ticket-status")).toBeVisible();
  await expect(user.getByTestId("priority")).toHaveCount(0);
  await open(user, "/app/tickets");
  await expect(user.locator(`.queue-row[data-ticket-id="${id}"]`)).toBeVisible();
  await expect(user.getByTestId("priority")).toHaveCount(0);
});

test("without JavaScript the priority is a plain form with a Set button", async ({ browser }) => {
  const { id } = await customerWithTicket(browser, "Set my priority without scripts.", "Nico Noscript");
  const agent = await staffOn(browser, AGENT, id);
  const plain = await (await browser.newContext({ javaScriptEnabled: false, storageState: await agent.context().storageState() })).newPage();
  await plain.goto(`/app/inbox/${id}`);
  await plain.getByLabel("Priority").selectOption("high");
  await plain.getByRole("button", { name: "Set" }).click();
  await expect(plain).toHaveURL(new RegExp(`/app/inbox/${id}\\??$`));
  await expect(plain.locator(".ticket-header").getByTestId("priority")).toHaveText("High");
  await expect(plain.getByLabel("Priority")).toHaveValue("high");
});
