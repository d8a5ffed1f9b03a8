import { expect } from "@playwright/test";
import { test, AGENT, customerWithTicket, hydrated, open, staffOn } from "./helpers";

test("unread counts show in lists, the navigation and the tab title, and reading in one tab clears them in another", async ({ browser }) => {
  test.setTimeout(90_000);
  const { user, id } = await customerWithTicket(browser, "The report export stays empty.", "Una Unread");
  const agent = await staffOn(browser, AGENT, id);
  await agent.getByRole("button", { name: "Assign to me" }).click();
  await expect(agent.getByTestId("ticket-agent")).toHaveText("Abe");

  // The agent's inbox in one tab; the customer writes: the row, the navigation and the title count it.
  await open(agent, "/app/inbox?sort=recent");
  const row = agent.locator(`.queue-row[data-ticket-id="${id}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId("unread")).toHaveCount(0);
  await user.getByRole("textbox", { name: "Message" }).fill("Are you there?");
  await user.getByRole("textbox", { name: "Message" }).press("Enter");
  await expect(row.getByTestId("unread")).toHaveText("1");
  await user.getByRole("textbox", { name: "Message" }).fill("It is urgent.");
  await user.getByRole("textbox", { name: "Message" }).press("Enter");
  await expect(row.getByTestId("unread")).toHaveText("2");
  await expect(row.getByTestId("unread")).toHaveAttribute("aria-label", "2 unread");
  // The navigation counts every ticket assigned to Abe (other tests leave some unread too).
  const nav = agent.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /Inbox/ });
  await expect.poll(async () => Number(await nav.getByTestId("unread").textContent())).toBeGreaterThanOrEqual(2);
  const total = Number(await nav.getByTestId("unread").textContent());
  await expect(agent).toHaveTitle(`(${total}) Inbox · MyRelay`);
  await agent.screenshot({ path: "screenshots/inbox-unread-1280.png" });

  // Reading it in a second tab clears the first tab's counts, live.
  const second = await agent.context().newPage();
  await open(second, `/app/inbox/${id}`);
  await expect(second.getByText("It is urgent.")).toBeVisible();
  await expect(row.getByTestId("unread")).toHaveCount(0);
  if (total === 2) {
    await expect(nav.getByTestId("unread")).toHaveCount(0);
    await expect(agent).toHaveTitle("Inbox · MyRelay");
  } else {
    await expect(nav.getByTestId("unread")).toHaveText(String(total - 2));
    await expect(agent).toHaveTitle(`(${total - 2}) Inbox · MyRelay`);
  }

  // The customer, on their list, sees the agent's answer counted; opening the ticket reads it.
  await open(user, "/app/tickets");
  await second.getByRole("textbox", { name: "Message" }).fill("Looking at it now.");
  await second.getByRole("textbox", { name: "Message" }).press("Enter");
  const mine = user.locator(`.queue-row[data-ticket-id="${id}"]`);
  await expect(mine.getByTestId("unread")).toHaveText("1");
  await expect(user.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /My tickets/ }).getByTestId("unread")).toHaveText("1");
  // Opening the ticket shows it; on screen, it tells the server what was read.
  const read = user.waitForResponse((response) => response.url().endsWith("/api/tickets/read") && response.ok());
  await mine.getByRole("link").first().click();
  await expect(user.getByText("Looking at it now.")).toBeVisible();
  await read;
  await expect(user.getByTestId("unread")).toHaveCount(0);
  // Still read after a reload: the cursor is on the server.
  await user.goto("/app/tickets");
  await hydrated(user);
  await expect(user.locator(`.queue-row[data-ticket-id="${id}"]`).getByTestId("unread")).toHaveCount(0);
});
