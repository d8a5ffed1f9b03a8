import { test as base, expect, type Browser, type BrowserContext, type BrowserContextOptions, type ConsoleMessage, type Page } from "@playwright/test";

/** What a page may log as an error without the app being at fault: the browser's own lines for
 * 4xx answers, which tests provoke on purpose (a refused WebSocket upgrade; 401 once a test has
 * dropped the cookies), and for a request the test's own `setOffline` cut. */
function isExpectedAnswer(text: string): boolean {
  return (
    /^Failed to load resource: the server responded with a status of 4\d\d/.test(text) ||
    /^Failed to load resource: net::ERR_INTERNET_DISCONNECTED/.test(text) ||
    /^WebSocket connection to .* failed: HTTP Authentication failed/.test(text)
  );
}

/** A Rust panic (console_error_panic_hook logs "panicked at"), the trap a release build's
 * `panic = "abort"` ends in, or Leptos telling of a hydration mismatch, whatever the log level. */
const PANIC_OR_HYDRATION = /panicked at|RuntimeError: unreachable|hydrat(e|ion) (error|mismatch)|Unrecoverable hydration|\[WARNING\] Non-fatal error/i;

/** The reason a console line fails the test, or null. */
export function consoleFailure(message: ConsoleMessage): string | null {
  const text = message.text();
  if (PANIC_OR_HYDRATION.test(text)) return `console ${message.type()} (panic or hydration): ${text}`;
  if (message.type() === "error" && !isExpectedAnswer(text)) return `console error: ${text}`;
  return null;
}

/**
 * Every test fails on a page error (an uncaught exception, or the trap after a panic), a Rust
 * panic, a hydration warning or a console error in any of its pages, including those of
 * contexts it makes itself. It is automatic: a spec only has to import `test` from here.
 */
export const test = base.extend<{ failOnPageErrors: void }>({
  failOnPageErrors: [
    async ({ browser, context }, use) => {
      const errors: string[] = [];
      const watch = (watched: BrowserContext) => {
        watched.on("weberror", (error) => errors.push(`page error: ${error.error().message}`));
        watched.on("console", (message) => {
          const failure = consoleFailure(message);
          if (failure) errors.push(failure);
        });
      };
      watch(context);
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const made = await newContext(options);
        watch(made);
        return made;
      };
      // browser.newPage() makes a context of its own; it must be watched too.
      const newPage = browser.newPage.bind(browser);
      browser.newPage = async (options) => {
        const made = await newPage(options);
        watch(made.context());
        return made;
      };
      await use();
      browser.newContext = newContext;
      browser.newPage = newPage;
      expect(errors, "page errors, panics, hydration warnings and console errors").toEqual([]);
    },
    { auto: true },
  ],
});

export const PASSWORD = "correct horse battery";

/** Staff accounts that scripts/test.sh creates with `myrelay create-staff` before the run. */
export const ADMIN = { email: "admin@e2e.myrelay.test", password: process.env.MYRELAY_E2E_STAFF_PASSWORD ?? "" };
export const AGENT = { email: "agent@e2e.myrelay.test", password: process.env.MYRELAY_E2E_STAFF_PASSWORD ?? "" };

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** Opens a page and waits until the WebAssembly has hydrated it (the app marks <body>). */
export async function open(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await hydrated(page);
}

/** The page has hydrated, and no client-side navigation is still loading its page. */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.locator("body")).not.toHaveAttribute("data-routing", "true");
}

/** The session's cookie gone, in a new tab of the same browser: the old tab, possibly still loading
 * its page's data, would be sent to sign-in by that load and cut the test's next navigation short. */
export async function withoutSession(page: Page): Promise<Page> {
  const context = page.context();
  await page.close();
  await context.clearCookies();
  return context.newPage();
}

export async function register(page: Page, name: string, email: string, password = PASSWORD): Promise<void> {
  await open(page, "/register");
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A new customer (in their own browser context) with a ticket open on its page, connected live. */
export async function customerWithTicket(browser: Browser, description: string, name = "Cora Customer"): Promise<{ user: Page; id: string }> {
  const user = await (await browser.newContext()).newPage();
  await register(user, name, uniqueEmail("customer"));
  await expect(user).toHaveURL(/\/app\/tickets$/);
  await open(user, "/app/tickets/new");
  await user.getByLabel("Describe your issue").fill(description);
  await user.getByRole("button", { name: "Open ticket" }).click();
  await expect(user).toHaveURL(/\/app\/tickets\/\d+$/);
  await expect(user.getByTestId("connection")).toHaveText("live");
  return { user, id: user.url().split("/").pop()! };
}

/** The admin signed in (in their own browser context), on the dashboard. */
export async function adminSignedIn(browser: Browser): Promise<Page> {
  const admin = await (await browser.newContext()).newPage();
  await open(admin, "/login");
  await signIn(admin, ADMIN.email, ADMIN.password);
  await expect(admin).toHaveURL(/\/app\/admin$/);
  return admin;
}

/** A member of staff signed in (in their own browser context) on ticket `id`, connected live. */
export async function staffOn(browser: Browser, who: { email: string; password: string }, id: string, options: BrowserContextOptions = {}): Promise<Page> {
  const page = await (await browser.newContext(options)).newPage();
  await open(page, "/login");
  await signIn(page, who.email, who.password);
  await expect(page).toHaveURL(/\/app\/(inbox|admin)$/);
  await open(page, `/app/inbox/${id}`);
  await expect(page.getByTestId("connection")).toHaveText("live");
  return page;
}

/**
 * A new agent of the test's own (so that no other test's tabs keep them online), signed in in
 * their own browser context, promoted by `admin`; `admin` is left on the users page.
 */
export async function agentOfItsOwn(browser: Browser, admin: Page, first: string): Promise<{ agent: Page; name: string }> {
  const name = `${first} ${Date.now() % 1_000_000}`;
  const email = uniqueEmail(first.toLowerCase());
  const agent = await (await browser.newContext()).newPage();
  await register(agent, name, email);
  await expect(agent).toHaveURL(/\/app\/tickets$/);
  await open(admin, `/app/admin/users?q=${encodeURIComponent(email)}`);
  const row = admin.locator("tr", { hasText: email });
  await row.locator("summary", { hasText: "Actions" }).click();
  await row.getByLabel(`Role of ${name}`).selectOption("agent");
  await row.getByRole("button", { name: "Change role" }).click();
  await expect(admin.locator("tr", { hasText: email }).locator(".role-badge")).toHaveText("agent");
  return { agent, name };
}
