import { expect } from "@playwright/test";
import { test, adminSignedIn, customerWithTicket, open, register, uniqueEmail } from "./helpers";

test("an agent's presence reaches the team and their customer live, and appearing away is one click, with or without JavaScript", async ({ browser }) => {
  test.setTimeout(120_000);
  // An agent of this test's own, so that no other test's tabs keep them online.
  const name = `Pia ${Date.now() % 1_000_000}`;
  const email = uniqueEmail("pia");
  const agentContext = await browser.newContext();
  const agent = await agentContext.newPage();
  await register(agent, name, email);
  await expect(agent).toHaveURL(/\/app\/tickets$/);
  const admin = await adminSignedIn(browser);
  await open(admin, `/app/admin/users?q=${encodeURIComponent(email)}`);
  const row = admin.locator("tr", { hasText: email });
  await row.locator("summary", { hasText: "Actions" }).click();
  await row.getByLabel(`Role of ${name}`).selectOption("agent");
  await row.getByRole("button", { name: "Change role" }).click();
  await expect(admin.locator("tr", { hasText: email }).locator(".role-badge")).toHaveText("agent");

  // The agent takes a customer's ticket: the customer learns the agent is online.
  const { user, id } = await customerWithTicket(browser, "The invoice PDF is blank.", "Paz Presence");
  await open(agent, `/app/inbox/${id}`);
  await agent.getByRole("button", { name: "Assign to me" }).click();
  await expect(agent.getByTestId("ticket-agent")).toHaveText(name);
  const line = user.getByTestId("agent-presence");
  await expect(line).toHaveText(`${name} is online`);

  // The admin's dashboard lists the team.
  await open(admin, "/app/admin");
  const member = admin.locator(".team-member", { hasText: name });
  await expect(member).toHaveAttribute("data-status", "online");

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
