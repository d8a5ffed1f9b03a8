import { expect, type Page } from "@playwright/test";
import { test, ADMIN, AGENT, customerWithTicket, open, signIn } from "./helpers";

// Every /app page of each role, at a desktop and a phone width: it hydrates (the fixture in
// helpers.ts fails the test on any panic, page error or hydration warning on the way), and a
// ticket's page goes live. This is the test that would have caught a release bundle dying while
// hydrating: the suite runs against the release build.

const WIDTHS = [
  { name: "1280", width: 1280, height: 800 },
  { name: "390", width: 390, height: 844 },
];

async function visitAll(page: Page, role: string, paths: string[], ticketPath: string): Promise<void> {
  for (const size of WIDTHS) {
    await page.setViewportSize({ width: size.width, height: size.height });
    for (const path of paths) {
      await open(page, path);
      await expect(page, `${path} stays where it is`).toHaveURL(new RegExp(`${path.replace(/[?]/g, "\\?")}$`));
      await expect(page.locator("main.app-main")).toBeVisible();
    }
    await open(page, ticketPath);
    await expect(page.getByTestId("connection")).toHaveText("live");
    await page.screenshot({ path: `screenshots/pages-${role}-ticket-${size.name}.png` });
  }
}

test("every page of a customer, an agent and an admin hydrates without a panic, at 1280 and 390 px", async ({ browser }) => {
  test.setTimeout(90_000);
  const { user, id } = await customerWithTicket(browser, "Every page: the printer is on fire");
  await visitAll(user, "customer", ["/app/tickets", "/app/tickets/new", "/app/search?q=printer"], `/app/tickets/${id}`);

  const agent = await (await browser.newContext()).newPage();
  await open(agent, "/login");
  await signIn(agent, AGENT.email, AGENT.password);
  await expect(agent).toHaveURL(/\/app\/inbox$/);
  await visitAll(agent, "agent", ["/app/inbox", "/app/search?q=printer"], `/app/inbox/${id}`);

  const admin = await (await browser.newContext()).newPage();
  await open(admin, "/login");
  await signIn(admin, ADMIN.email, ADMIN.password);
  await expect(admin).toHaveURL(/\/app\/admin$/);
  const adminPages = ["/app/admin", "/app/admin/tickets", "/app/admin/users", "/app/admin/agents", "/app/admin/categories", "/app/admin/sla", "/app/admin/audit", "/app/inbox", "/app/search?q=printer"];
  await visitAll(admin, "admin", adminPages, `/app/inbox/${id}`);

  // Live across pages that were each hydrated from scratch: the customer writes, the agent's
  // open ticket shows it without a reload.
  await user.getByRole("textbox", { name: "Message" }).fill("Still burning, see photo");
  await user.getByRole("textbox", { name: "Message" }).press("Enter");
  await expect(agent.getByTestId("messages")).toContainText("Still burning, see photo");
});
