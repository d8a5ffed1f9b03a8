import { expect } from "@playwright/test";
import { test, ADMIN, AGENT, customerWithTicket, open, signIn, staffOn } from "./helpers";

test("the admin reads who changed what in the audit log, filters it, and it fits a phone", async ({ browser }) => {
  test.setTimeout(60_000);
  const { id } = await customerWithTicket(browser, "Audit me: the export is empty.", "Ada Audit");
  const agent = await staffOn(browser, AGENT, id);
  await agent.getByLabel("Priority").selectOption("high");
  await expect(agent.locator(".ticket-header").getByTestId("priority")).toHaveText("High");
  await agent.getByRole("button", { name: "Assign to me" }).click();
  await expect(agent.getByTestId("ticket-agent")).toHaveText("Abe");

  const admin = await (await browser.newContext()).newPage();
  await open(admin, "/login");
  await signIn(admin, ADMIN.email, ADMIN.password);
  await expect(admin).toHaveURL(/\/app\/admin$/);
  await admin.getByRole("link", { name: "Audit log" }).first().click();
  await expect(admin).toHaveURL(/\/app\/admin\/audit$/);
  const rows = admin.locator("table.audit tbody tr");
  const assignment = rows.filter({ hasText: `#${id} Audit me` }).filter({ hasText: "Assignment" });
  await expect(assignment).toHaveCount(1);
  await expect(assignment).toContainText("Abe");
  await expect(assignment).toContainText("status: open → assigned");
  await expect(assignment).toContainText("agent: none → Abe");
  await expect(rows.filter({ hasText: `#${id} Audit me` }).filter({ hasText: "priority: Normal → High" })).toHaveCount(1);
  await admin.screenshot({ path: "screenshots/audit-1280.png", fullPage: true });

  // A kind applies at once; a search on Enter; every entry links to what it is about.
  await admin.getByLabel("Kind").selectOption("ticket_priority");
  await expect(admin).toHaveURL(/action=ticket_priority/);
  await expect(rows.filter({ hasText: "Assignment" })).toHaveCount(0);
  await admin.getByLabel("Search", { exact: true }).fill(`#${id} `);
  await admin.getByLabel("Search", { exact: true }).press("Enter");
  await expect(admin).toHaveURL(/q=%23/);
  await expect(rows).toHaveCount(1);
  await expect(rows.getByRole("link", { name: `#${id} Audit me` })).toHaveAttribute("href", `/app/inbox/${id}`);

  await admin.setViewportSize({ width: 390, height: 844 });
  await open(admin, "/app/admin/audit");
  await expect(rows.first()).toBeVisible();
  const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  await admin.screenshot({ path: "screenshots/audit-390.png", fullPage: true });
});
