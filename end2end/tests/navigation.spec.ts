import { expect } from "@playwright/test";
import { test, AGENT, customerWithTicket, open, signIn } from "./helpers";

test("a tab keeps one page and one live socket across its navigations; the ticket's room follows the view", async ({ browser }) => {
  test.setTimeout(60_000);
  const { user, id } = await customerWithTicket(browser, "Moving between pages keeps the line open.", "Nav Nola");
  const agent = await (await browser.newContext()).newPage();
  await open(agent, `/login?next=/app/inbox/${id}`);
  // Every socket and every page this tab opens from here on.
  const sockets: string[] = [];
  const documents: string[] = [];
  agent.on("websocket", (socket) => sockets.push(socket.url()));
  agent.on("request", (request) => {
    if (request.resourceType() === "document") documents.push(request.url());
  });
  await agent.evaluate(() => ((window as any).__sameTab = true));
  await signIn(agent, AGENT.email, AGENT.password);
  await expect(agent).toHaveURL(new RegExp(`/app/inbox/${id}$`));
  // The inbox will list it first: urgent, and just changed.
  await agent.getByLabel("Priority").selectOption("urgent");
  // The frame (header, search box) is made once: marked here, it must be the same element at the end.
  await agent.locator(".app-header").evaluate((header) => ((header as any).__madeOnce = true));

  // Back to the inbox and to the ticket, five times over.
  const presence = user.getByTestId("presence");
  for (let round = 0; round < 5; round++) {
    if (round > 0) await agent.locator(`.queue-row[data-ticket-id="${id}"] .row-link`).click();
    await expect(agent).toHaveURL(new RegExp(`/app/inbox/${id}$`));
    await expect(agent.getByTestId("connection")).toHaveText("live");
    await expect(presence).toContainText("Abe");
    await agent.getByRole("link", { name: "← Inbox" }).click();
    await expect(agent).toHaveURL(/\/app\/inbox$/);
    await expect(agent.locator(`.queue-row[data-ticket-id="${id}"]`)).toBeVisible();
    // The ticket's view is gone, and with it the agent from its room.
    await expect(presence).not.toContainText("Abe");
  }

  // Search, then the ticket from the header's inbox link: still the same page and socket.
  await agent.getByRole("searchbox", { name: "Search tickets and messages" }).fill("Moving between pages");
  await agent.getByRole("searchbox", { name: "Search tickets and messages" }).press("Enter");
  await expect(agent).toHaveURL(/\/app\/search\?q=/);
  await agent.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /Inbox/ }).click();
  await expect(agent).toHaveURL(/\/app\/inbox$/);
  await agent.locator(`.queue-row[data-ticket-id="${id}"] .row-link`).click();
  await expect(agent.getByTestId("connection")).toHaveText("live");

  expect(await agent.locator(".app-header").evaluate((header) => (header as any).__madeOnce)).toBe(true);
  expect(documents).toEqual([]);
  expect(sockets).toHaveLength(1);
  expect(await agent.evaluate(() => (window as any).__sameTab)).toBe(true);
});
