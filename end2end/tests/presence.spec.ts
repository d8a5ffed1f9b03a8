import { expect, type Browser, type Page } from "@playwright/test";
import { test, adminSignedIn, agentOfItsOwn, customerWithTicket, open } from "./helpers";

test("an agent's presence reaches the team and their customer live, and appearing away is one click, with or without JavaScript", async ({ browser }) => {
  test.setTimeout(120_000);
  const { admin, agent, name, user, id, line, member } = await agentWithCustomerAndAdmin(browser, "Pia", "Paz Presence");
  const agentContext = agent.context();

  // The agent appears away from the inbox: the admin and the customer see it at once.
  await open(agent, "/app/inbox");
  const me = agent.locator(".team-member", { hasText: name });
  await expect(me).toContainText("(you)");
  await me.getByRole("button", { name: "Appear away" }).click();
  await expect(member).toHaveAttribute("data-status", "away");
  await expect(member.getByTestId("presence-text")).toHaveText("Away · set to away");
  await expect(line).toHaveText(`${name} is away: replies may take a little longer`);
  await expect(me.getByRole("button", { name: "Appear online" })).toBeVisible();
  await agent.screenshot({ path: "screenshots/inbox-team-1280.png" });
  await user.setViewportSize({ width: 390, height: 844 });
  await open(user, `/app/tickets/${id}`);
  await expect(line).toHaveText(`${name} is away: replies may take a little longer`);
  await user.screenshot({ path: "screenshots/ticket-agent-away-390.png" });
  await me.getByRole("button", { name: "Appear online" }).click();
  await expect(member).toHaveAttribute("data-status", "online");
  await expect(line).toHaveText(`${name} is online`);

  // Without JavaScript the inbox shows the team as the server knows it, and the switch is a plain form.
  const plain = await (await browser.newContext({ javaScriptEnabled: false, storageState: await agentContext.storageState() })).newPage();
  await plain.goto("/app/inbox");
  const plainMe = plain.locator(".team-member", { hasText: name });
  await expect(plainMe).toHaveAttribute("data-status", "online");
  await plainMe.getByRole("button", { name: "Appear away" }).click();
  await expect(plain).toHaveURL(/\/app\/inbox\??$/);
  await expect(plain.locator(".team-member", { hasText: name })).toHaveAttribute("data-status", "away");
  await expect(member).toHaveAttribute("data-status", "away");
  await plain.locator(".team-member", { hasText: name }).getByRole("button", { name: "Appear online" }).click();
  await expect(member).toHaveAttribute("data-status", "online");

  // Every tab of the agent closes: offline for both, with when they were last seen, once the
  // presence grace (5 s, in which a reload would have reconnected) is over.
  await plain.context().close();
  await agentContext.close();
  await expect(member).toHaveAttribute("data-status", "offline", { timeout: 20_000 });
  await expect(member.getByTestId("presence-text")).toContainText("Offline · last seen");
  await expect(line).toHaveText(`${name} is offline: you will see the reply here`);
  await admin.screenshot({ path: "screenshots/dashboard-team-1280.png", fullPage: true });
});

test("the team and the customer never see an agent go offline while the agent reloads and moves between pages", async ({ browser }) => {
  test.setTimeout(120_000);
  const { admin, agent, name, user, id, member } = await agentWithCustomerAndAdmin(browser, "Rhea", "Remy Reload");

  // From here on, every presence the customer's page and the admin's dashboard show is recorded.
  await record(user, '[data-testid="agent-presence"]', name, null);
  await record(admin, ".team-member", name, "data-status");

  // Reloads and page changes: each closes the agent's socket and opens the next.
  for (let round = 0; round < 3; round++) {
    await agent.reload();
    await expect(agent.getByTestId("connection")).toHaveText("live");
    await open(agent, "/app/inbox");
    await open(agent, `/app/inbox/${id}`);
    await expect(agent.getByTestId("connection")).toHaveText("live");
  }
  // A message after them: whatever the navigation announced has reached the customer when it does.
  await agent.getByRole("textbox", { name: "Message" }).fill("Still here, looking into it.");
  await agent.getByRole("textbox", { name: "Message" }).press("Enter");
  await expect(user.getByTestId("messages")).toContainText("Still here, looking into it.");
  await expect(member).toHaveAttribute("data-status", "online");

  const seenByCustomer: string[] = await user.evaluate(() => (window as any).__seen);
  const seenByAdmin: string[] = await admin.evaluate(() => (window as any).__seen);
  expect(seenByCustomer.filter((text) => !text.includes("is online"))).toEqual([]);
  expect(seenByAdmin.filter((status) => status !== "online")).toEqual([]);
});

/**
 * Records in `window.__seen` every value the element (`selector`, containing `text`) shows from
 * now on, as its `attribute` or, without one, its text: whatever the page does to it.
 */
async function record(page: Page, selector: string, text: string, attribute: string | null): Promise<void> {
  await page.evaluate(({ selector, text, attribute }) => {
    const read = () => {
      const element = [...document.querySelectorAll(selector)].find((e) => e.textContent?.includes(text));
      return (attribute ? element?.getAttribute(attribute) : element?.textContent) ?? "(gone)";
    };
    const seen = [read()];
    (window as any).__seen = seen;
    new MutationObserver(() => {
      const now = read();
      if (now !== seen[seen.length - 1]) seen.push(now);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  }, { selector, text, attribute });
}

/**
 * An agent of the test's own who takes a new customer's ticket: the customer's page says the agent
 * is online (`line`), and so does the admin's dashboard (`member`).
 */
async function agentWithCustomerAndAdmin(browser: Browser, agentName: string, customerName: string) {
  const admin = await adminSignedIn(browser);
  const { agent, name } = await agentOfItsOwn(browser, admin, agentName);
  const { user, id } = await customerWithTicket(browser, "The invoice PDF is blank.", customerName);
  await open(agent, `/app/inbox/${id}`);
  await agent.getByRole("button", { name: "Assign to me" }).click();
  await expect(agent.getByTestId("ticket-agent")).toHaveText(name);
  const line = user.getByTestId("agent-presence");
  await expect(line).toHaveText(`${name} is online`);
  await open(admin, "/app/admin");
  const member = admin.locator(".team-member", { hasText: name });
  await expect(member).toHaveAttribute("data-status", "online");
  return { admin, agent, name, user, id, line, member };
}
