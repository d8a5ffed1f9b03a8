import { expect } from "@playwright/test";
import { test, ADMIN, AGENT, PASSWORD, hydrated, open, register, signIn, uniqueEmail, withoutSession } from "./helpers";

test("the landing page leads into the app", async ({ page }) => {
  await open(page, "/");
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Support tickets");
  await page.getByRole("link", { name: "Open MyRelay" }).click();
  await expect(page).toHaveURL(/\/login\?next=/);
});

test("a new user registers and lands on their tickets", async ({ page }) => {
  const email = uniqueEmail("reg");
  await register(page, "Rita Register", email);
  await expect(page).toHaveURL(/\/app\/tickets$/);
  await expect(page.getByTestId("current-user")).toHaveText("Rita Register");
  await expect(page.getByRole("heading", { name: "My tickets" })).toBeVisible();
});

test("registration errors appear next to the field and keep the input", async ({ page: first }) => {
  const email = uniqueEmail("twice");
  await register(first, "First Owner", email);
  await expect(first).toHaveURL(/\/app\/tickets$/);
  const page = await withoutSession(first);

  await register(page, "Second Try", email);
  await expect(page.locator("#email-error")).toContainText("already exists");
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Your name")).toHaveValue("Second Try");
  await expect(page).toHaveURL(/\/register$/);
});

test("signing out ends the session", async ({ page }) => {
  await register(page, "Olga Out", uniqueEmail("out"));
  await expect(page).toHaveURL(/\/app\/tickets$/);
  await hydrated(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\?signed_out=1$/);
  await expect(page.getByRole("status")).toHaveText("You have signed out.");

  await page.goto("/app/tickets");
  await expect(page).toHaveURL(/\/login\?next=\/app\/tickets$/);
});

test("a protected page sends you to sign in and then back", async ({ page: first }) => {
  const email = uniqueEmail("back");
  await register(first, "Bea Back", email);
  await expect(first).toHaveURL(/\/app\/tickets$/);
  const page = await withoutSession(first);

  await page.goto("/app/tickets");
  await expect(page).toHaveURL(/\/login\?next=\/app\/tickets$/);
  await expect(page.getByRole("status")).toHaveText("Please sign in to continue.");
  await hydrated(page);
  await signIn(page, email, PASSWORD);
  await expect(page).toHaveURL(/\/app\/tickets$/);
  await expect(page.getByTestId("current-user")).toHaveText("Bea Back");
});

test("a wrong password shows one error and no session", async ({ page: first }) => {
  const email = uniqueEmail("wrong");
  await register(first, "Walt Wrong", email);
  await expect(first).toHaveURL(/\/app\/tickets$/);
  const page = await withoutSession(first);

  await open(page, "/login");
  await signIn(page, email, "not the password");
  await expect(page.getByRole("alert")).toHaveText("Wrong email or password.");
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await page.goto("/app/tickets");
  await expect(page).toHaveURL(/\/login\?next=/);
});

test("staff land on their own homes and users cannot enter them", async ({ page }) => {
  await open(page, "/login");
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/app\/admin$/);
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect(page.locator(".role-badge")).toHaveText("admin");
  await hydrated(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);

  await open(page, "/login");
  await signIn(page, AGENT.email, AGENT.password);
  await expect(page).toHaveURL(/\/app\/inbox$/);
  await expect(page.getByRole("heading", { name: "Inbox" })).toBeVisible();
  await page.goto("/app/admin");
  await expect(page).toHaveURL(/\/app\/inbox$/);
});
