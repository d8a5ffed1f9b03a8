import { expect } from "@playwright/test";
import { test, ADMIN, AGENT, open, register, signIn, uniqueEmail } from "./helpers";

test("once the ticket is resolved the customer rates it; the agent and the admin see the rating", async ({ browser }) => {
  test.setTimeout(60_000);
  const user = await (await browser.newContext()).newPage();
  await register(user, "Rhea Rating", uniqueEmail("rating"));
  await expect(user).toHaveURL(/\/app\/tickets$/);
  await open(user, "/app/tickets/new");
  await user.getByLabel("Describe your issue").fill("My password reset mail never arrives.");
  await user.getByRole("button", { name: "Open ticket" }).click();
  await expect(user).toHaveURL(/\/app\/tickets\/\d+$/);
  const id = user.url().split("/").pop()!;
  await expect(user.getByTestId("connection")).toHaveText("live");
  await expect(user.getByRole("heading", { name: "How did we do?" })).toHaveCount(0);

  const agent = await (await browser.newContext()).newPage();
  await open(agent, "/login");
  await signIn(agent, AGENT.email, AGENT.password);
  await expect(agent).toHaveURL(/\/app\/inbox$/);
  await open(agent, `/app/inbox/${id}`);
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
