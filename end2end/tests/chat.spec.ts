import { expect, type Browser, type Page } from "@playwright/test";
import { test, AGENT, open, register, signIn, uniqueEmail } from "./helpers";

async function userWithTicket(browser: Browser): Promise<{ user: Page; id: string }> {
  const user = await (await browser.newContext()).newPage();
  await register(user, "Chloe Chat", uniqueEmail("chat"));
  await expect(user).toHaveURL(/\/app\/tickets$/);
  await open(user, "/app/tickets/new");
  await user.getByLabel("Describe your issue").fill(`Live chat please ${Date.now()}`);
  await user.getByRole("button", { name: "Open ticket" }).click();
  await expect(user).toHaveURL(/\/app\/tickets\/\d+$/);
  const id = user.url().split("/").pop()!;
  await expect(user.getByTestId("connection")).toHaveText("live");
  return { user, id };
}

async function agentOn(browser: Browser, id: string): Promise<Page> {
  const agent = await (await browser.newContext()).newPage();
  await open(agent, "/login");
  await signIn(agent, AGENT.email, AGENT.password);
  await expect(agent).toHaveURL(/\/app\/inbox$/);
  await open(agent, `/app/inbox/${id}`);
  await expect(agent.getByTestId("connection")).toHaveText("live");
  return agent;
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("textbox", { name: "Message" }).press("Enter");
}

function messages(page: Page) {
  return page.getByTestId("messages").locator("li.message:not(.opening) .content");
}

test("a user and an agent chat live, and status changes show up without reloading", async ({ browser }) => {
  const { user, id } = await userWithTicket(browser);
  const agent = await agentOn(browser, id);
  await expect(user.getByTestId("presence")).toContainText("Abe (support)");

  await say(user, "Hello, is anyone there?");
  await expect(agent.getByTestId("messages")).toContainText("Hello, is anyone there?");
  await say(agent, "Yes! How can I help?");
  await expect(user.getByTestId("messages")).toContainText("Yes! How can I help?");
  await expect(messages(user)).toHaveText(["Hello, is anyone there?", "Yes! How can I help?"]);

  await agent.getByRole("button", { name: "Assign to me" }).click();
  await expect(user.getByTestId("ticket-status")).toHaveText("assigned");
  await expect(user.getByTestId("ticket-agent")).toHaveText("Abe");
  await agent.getByRole("button", { name: "Mark resolved" }).click();
  await expect(user.getByTestId("ticket-status")).toHaveText("resolved");
  await expect(user.getByRole("button", { name: "Reopen" })).toBeVisible();
});

test("messages sent while offline arrive once on both sides after reconnecting", async ({ browser }) => {
  const { user, id } = await userWithTicket(browser);
  const agent = await agentOn(browser, id);
  await say(user, "before going offline");
  await expect(agent.getByTestId("messages")).toContainText("before going offline");

  await user.context().setOffline(true);
  await expect(user.getByTestId("connection")).toContainText("offline");
  await say(agent, "sent while you were away");
  await expect(agent.getByTestId("messages")).toContainText("sent while you were away");
  await say(user, "typed while offline");
  await expect(user.locator("li.pending")).toContainText("Sending…");

  await user.context().setOffline(false);
  await expect(user.getByTestId("connection")).toHaveText("live");
  const expected = ["before going offline", "sent while you were away", "typed while offline"];
  await expect(messages(user)).toHaveText(expected);
  await expect(messages(agent)).toHaveText(expected);
  await expect(user.locator("li.pending")).toHaveCount(0);

  // And after a reload both still show each message exactly once.
  await user.reload();
  await expect(messages(user)).toHaveText(expected);
});

test("the inbox and the user's list update live when a ticket in view changes", async ({ browser }) => {
  const { user, id } = await userWithTicket(browser);
  await open(user, "/app/tickets");
  const userRow = user.locator(`[data-ticket-id="${id}"]`);
  await expect(userRow).toContainText("open");

  const watcher = await (await browser.newContext()).newPage();
  await open(watcher, "/login");
  await signIn(watcher, AGENT.email, AGENT.password);
  await expect(watcher).toHaveURL(/\/app\/inbox$/);
  const inboxRow = watcher.locator(`[data-ticket-id="${id}"]`);
  await expect(inboxRow).toContainText("open");

  const agent = await agentOn(browser, id);
  await agent.getByRole("button", { name: "Assign to me" }).click();
  await expect(inboxRow).toContainText("assigned");
  await expect(userRow).toContainText("assigned");
  await expect(userRow).toContainText("Abe");
});
