import { expect } from "@playwright/test";
import { test, ADMIN, AGENT, customerWithTicket, open, signIn, staffOn } from "./helpers";

test("once the ticket is resolved the customer rates it; the agent and the admin see the rating", async ({ browser }) => {
  test.setTimeout(60_000);
  const { user, id } = await customerWithTicket(browser, "My password reset mail never arrives.", "Rhea Rating");
  await expect(user.getByRole("heading", { name: "How did we do?" })).toHaveCount(0);
  const agent = await staffOn(browser, AGENT, id);
  await agent.getByRole("button", { name: "Assign to me" }).click();
  await agent.getByRole("button", { name: "Mark resolved" }).click();
  await expect(agent.getByTestId("ticket-status")).toHaveText("resolved");

  // The question appears on the customer's page as the ticket is resolved, without a reload.
  await expect(user.getByRole("heading", { name: "How did we do?" })).toBeVisible();
  await user.locator('label[for="score-4"]').click();
  await expect(user.getByLabel("4 of 5")).toBeChecked();
  await user.getByLabel("Comment (optional)").fill("Fixed in minutes.");
  await user.screenshot({ path: "screenshots/rating-1280.png" });
  await user.getByRole("button", { name: "Send rating" }).click();
  await expect(user.getByTestId("rating-given")).toHaveText("You rated this 4 of 5. Thank you!");
  await user.setViewportSize({ width: 390, height: 844 });
  const overflow = await user.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(1);

  await agent.reload();
  await expect(agent.getByTestId("ticket-rating")).toContainText("4 of 5");
  await expect(agent.getByTestId("ticket-rating")).toContainText("Fixed in minutes.");

  const admin = await (await browser.newContext()).newPage();
  await open(admin, "/login");
  await signIn(admin, ADMIN.email, ADMIN.password);
  await expect(admin).toHaveURL(/\/app\/admin$/);
  await expect(admin.getByTestId("rating-average")).toContainText(/Average \d\.\d of 5, from \d+ ratings?/);
  await admin.screenshot({ path: "screenshots/dashboard-ratings-1280.png", fullPage: true });
});

test("without JavaScript the rating is a plain form that works, and the Attach button is not offered", async ({ browser }) => {
  const { user, id } = await customerWithTicket(browser, "Rate me without scripts.", "Nora Noscript");
  const agent = await staffOn(browser, AGENT, id);
  await agent.getByRole("button", { name: "Assign to me" }).click();
  await agent.getByRole("button", { name: "Mark resolved" }).click();
  await expect(agent.getByTestId("ticket-status")).toHaveText("resolved");

  const plain = await (await browser.newContext({ javaScriptEnabled: false, storageState: await user.context().storageState() })).newPage();
  await plain.setViewportSize({ width: 390, height: 844 });
  await plain.goto(`/app/tickets/${id}`);
  await expect(plain.getByRole("button", { name: "Attach files" })).toHaveCount(0);
  await plain.locator('label[for="score-5"]').click();
  await plain.getByLabel("Comment (optional)").fill("Great, no scripts needed.");
  await plain.getByRole("button", { name: "Send rating" }).click();
  await expect(plain).toHaveURL(new RegExp(`/app/tickets/${id}\\??$`));
  await expect(plain.getByTestId("rating-given")).toHaveText("You rated this 5 of 5. Thank you!");
  await plain.screenshot({ path: "screenshots/rating-nojs-390.png" });
});
