import { expect, type Page } from "@playwright/test";
import { test, ADMIN, PASSWORD, hydrated, open, register, signIn, uniqueEmail } from "./helpers";

function nav(page: Page) {
  return page.getByRole("navigation", { name: "Main" });
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("textbox", { name: "Message" }).press("Enter");
}

async function userOnNewTicket(page: Page, email: string): Promise<void> {
  await register(page, "Lena Leaving", email);
  await expect(page).toHaveURL(/\/app\/tickets$/);
  await open(page, "/app/tickets/new");
  await page.getByLabel("Describe your issue").fill(`Please help ${Date.now()}`);
  await page.getByRole("button", { name: "Open ticket" }).click();
  await expect(page).toHaveURL(/\/app\/tickets\/\d+$/);
  await expect(page.getByTestId("connection")).toHaveText("live");
}

// The failOnPageErrors fixture turns a panic of a timer that outlived its view into a failure.
test("leaving a conversation right after typing leaves nothing running behind", async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  await page.clock.install();
  await userOnNewTicket(page, uniqueEmail("leaving"));
  await say(page, "Thanks, bye");
  await nav(page).getByRole("link", { name: "My tickets" }).click();
  await expect(page).toHaveURL(/\/app\/tickets$/);
  // A link is a client-side navigation: the next page is on screen before the network drops.
  await hydrated(page);
  // Past the composer's 4 s "stopped typing" timer and a reconnect delay or two.
  await page.clock.runFor(20_000);
  await page.context().setOffline(true);
  await page.context().setOffline(false);
  await nav(page).getByRole("link", { name: "New ticket" }).click();
  await expect(page.getByLabel("Describe your issue")).toBeVisible();
});

test("a deactivated person's open page says the session ended and leads to sign-in", async ({ browser }) => {
  const email = uniqueEmail("gone");
  const user = await (await browser.newContext()).newPage();
  await userOnNewTicket(user, email);

  const admin = await (await browser.newContext()).newPage();
  await open(admin, "/login");
  await signIn(admin, ADMIN.email, ADMIN.password);
  await expect(admin).toHaveURL(/\/app\/admin$/);
  await open(admin, "/app/admin/users");
  const row = admin.locator("tr", { hasText: email });
  await row.getByText("Actions", { exact: false }).click();
  await row.getByText("Deactivate", { exact: true }).click();
  await expect(row.getByRole("group", { name: "Confirm: Deactivate" })).toContainText("signs Lena Leaving out everywhere");
  await row.getByRole("button", { name: "Yes, deactivate" }).click();
  await expect(row).toContainText("deactivated");
  await expect(admin.getByRole("status").filter({ hasText: "was deactivated and signed out everywhere" })).toBeVisible();

  await expect(user.getByTestId("connection")).toHaveText("session ended");
  await expect(user.getByTestId("session-ended")).toContainText("Your session has ended");
  await expect(user.getByRole("textbox", { name: "Message" })).toHaveCount(0);
  await user.screenshot({ path: "screenshots/session-ended-1280.png", fullPage: true });
  await user.setViewportSize({ width: 390, height: 844 });
  await user.screenshot({ path: "screenshots/session-ended-390.png", fullPage: true });
  await nav(user).getByRole("link", { name: "My tickets" }).click();
  await expect(user).toHaveURL(/\/login\?next=/);
  await expect(user.getByRole("heading", { name: "Sign in" })).toBeVisible();
});

test("without JavaScript the pages render their content and failed forms show their errors", async ({ browser }) => {
  const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  const email = uniqueEmail("nojs");

  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("alert")).toHaveText("Wrong email or password.");

  await page.goto("/register");
  await page.getByLabel("Your name").fill("Nora NoScript");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText("at least 8 characters")).toBeVisible();
  await page.getByLabel("Your name").fill("Nora NoScript");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/app\/tickets$/);
  await expect(page.getByRole("heading", { name: "My tickets" })).toBeVisible();

  await page.goto("/app/tickets/new");
  await page.getByLabel("Describe your issue").fill("   ");
  await page.getByRole("button", { name: "Open ticket" }).click();
  await expect(page.getByText("Please describe your issue.")).toBeVisible();
  const description = `Works without scripts ${Date.now()}`;
  await page.getByLabel("Describe your issue").fill(description);
  await page.getByRole("button", { name: "Open ticket" }).click();
  await expect(page).toHaveURL(/\/app\/tickets\/\d+$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Works without scripts");
  await expect(page.getByText(description).first()).toBeVisible();
  await expect(page.getByText("Loading…")).toHaveCount(0);
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  // The composer posts to the HTTP send fallback and comes back to the conversation.
  await page.getByRole("textbox", { name: "Message" }).fill("Sent without scripts");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page).toHaveURL(/\/app\/tickets\/\d+\??$/);
  await expect(page.getByTestId("messages")).toContainText("Sent without scripts");
  await expect(page.getByTestId("connection")).toBeHidden();
  await page.screenshot({ path: "screenshots/ticket-without-javascript-1280.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "screenshots/ticket-without-javascript-390.png", fullPage: true });

  await page.goto("/app/tickets");
  await expect(page.getByRole("link", { name: description })).toBeVisible();
});
