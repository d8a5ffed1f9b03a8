import { expect } from "@playwright/test";
import { test, hydrated, open, uniqueEmail, PASSWORD } from "./helpers";

/** The page scrolls sideways by no more than a pixel (rounding). */
async function expectNoHorizontalScroll(page: import("@playwright/test").Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `horizontal overflow on ${page.url()}`).toBeLessThanOrEqual(1);
}

test("a Spanish browser gets MyRelay in Spanish, and the switch changes it for good", async ({ browser }) => {
  test.setTimeout(60_000);
  const context = await browser.newContext({ locale: "es-ES" });
  const page = await context.newPage();
  await open(page, "/");
  await expect(page.locator("html")).toHaveAttribute("lang", "es");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Tickets de soporte con una conversación en vivo en cada uno.");
  await expect(page.getByRole("button", { name: "ES" })).toHaveAttribute("aria-pressed", "true");

  // Errors from the server read in Spanish too.
  await open(page, "/login");
  await page.getByLabel("Correo electrónico").fill(uniqueEmail("nadie"));
  await page.getByLabel("Contraseña").fill("not the password");
  await page.getByRole("button", { name: "Iniciar sesión" }).click();
  await expect(page.getByRole("alert")).toHaveText("Correo electrónico o contraseña incorrectos.");

  await open(page, "/register");
  await page.getByLabel("Tu nombre").fill("Lucía Cliente");
  await page.getByLabel("Correo electrónico").fill(uniqueEmail("lucia"));
  await page.getByLabel("Contraseña").fill(PASSWORD);
  await page.getByRole("button", { name: "Crear cuenta" }).click();
  await expect(page).toHaveURL(/\/app\/tickets$/);
  await hydrated(page);
  await expect(page.getByRole("navigation", { name: "Principal" }).getByRole("link", { name: "Mis tickets" })).toBeVisible();

  // Spanish is longer than English: the screens still fit a phone.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ["/app/tickets", "/app/tickets/new"]) {
    await open(page, path);
    await page.evaluate(() => document.querySelector(".nav-menu")?.removeAttribute("open"));
    await expectNoHorizontalScroll(page);
    await page.screenshot({ path: `screenshots/es-${path.split("/").pop()}-390.png` });
  }
  await page.setViewportSize({ width: 1280, height: 800 });

  // A ticket and its conversation, in Spanish: labels, the empty thread, times.
  await open(page, "/app/tickets/new");
  await page.getByLabel("Describe tu problema").fill("No puedo descargar mi factura.");
  await page.getByRole("button", { name: "Abrir ticket" }).click();
  await expect(page).toHaveURL(/\/app\/tickets\/\d+$/);
  await expect(page.getByTestId("connection")).toHaveText("en vivo");
  await page.getByRole("textbox", { name: "Mensaje" }).fill("Es la factura de noviembre.");
  await page.getByRole("textbox", { name: "Mensaje" }).press("Enter");
  await expect(page.locator(".message.mine").last()).toContainText("Es la factura de noviembre.");
  await expect(page.locator(".message.mine time").last()).toHaveText(/ahora|hace|segundos/);
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
    if (width === 390) await expectNoHorizontalScroll(page);
    await page.screenshot({ path: `screenshots/es-ticket-user-${width}.png` });
  }
  await page.setViewportSize({ width: 1280, height: 800 });

  // The switch reloads the page in the other language and the choice sticks.
  await open(page, "/app/tickets");
  await page.getByRole("button", { name: "EN" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page).toHaveURL(/\/app\/tickets$/);
  await hydrated(page);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My tickets" })).toBeVisible();
  const other = await context.newPage();
  await open(other, "/app/tickets/new");
  await expect(other.locator("html")).toHaveAttribute("lang", "en");
  await context.close();
});

test("the language switch works without JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ locale: "en-US", javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/login?next=/app");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sign in");
  await page.getByRole("button", { name: "ES" }).click();
  await expect(page).toHaveURL(/\/login\?next=\/app$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Iniciar sesión");
  await expect(page.locator("html")).toHaveAttribute("lang", "es");
  await context.close();
});
