import { expect } from "@playwright/test";
import { test, ADMIN, AGENT, customerWithTicket, open, staffOn } from "./helpers";

test("an agent's internal note reaches other staff live, stands out in the thread, and never reaches the customer", async ({ browser }) => {
  test.setTimeout(120_000);
  const { user, id } = await customerWithTicket(browser, "The refund for order 1182 never arrived.", "Nora Notes");
  const agent = await staffOn(browser, AGENT, id);
  const admin = await staffOn(browser, ADMIN, id);
  const agentBox = agent.getByRole("textbox", { name: "Message" });

  // The composer's toggle turns it into a note: another placeholder, button and background.
  await agent.getByLabel("Internal note").check();
  await expect(agentBox).toHaveAttribute("placeholder", /internal note/);
  await expect(agent.locator("form.composer")).toHaveClass(/note-mode/);
  await agentBox.fill("Card processor shows the refund pending since Monday.");
  await agentBox.press("Enter");
  const note = agent.getByTestId("note").filter({ hasText: "Card processor shows the refund pending" });
  await expect(note).toContainText("Internal note");
  await expect(note).toContainText("Abe");
  await expect(agentBox).toHaveValue("");
  await expect(admin.getByTestId("note").filter({ hasText: "Card processor" })).toBeVisible();

  // Back to a reply: the customer gets the reply and nothing of the note.
  await agent.getByLabel("Internal note").uncheck();
  await agentBox.fill("We are checking with the bank.");
  await agentBox.press("Enter");
  await expect(user.getByText("We are checking with the bank.")).toBeVisible();
  await expect(user.getByTestId("note")).toHaveCount(0);
  await expect(user.getByText("Card processor")).toHaveCount(0);
  await agent.screenshot({ path: "screenshots/ticket-note-1280.png" });

  // Loaded again (on a phone), staff see the note where it was written; the customer still does not.
  await agent.setViewportSize({ width: 390, height: 844 });
  await open(agent, `/app/inbox/${id}`);
  await expect(agent.getByTestId("note").filter({ hasText: "Card processor" })).toBeVisible();
  await agent.screenshot({ path: "screenshots/ticket-note-390.png" });
  await agent.setViewportSize({ width: 1280, height: 720 });
  await open(user, `/app/tickets/${id}`);
  await expect(user.getByText("We are checking with the bank.")).toBeVisible();
  await expect(user.getByTestId("note")).toHaveCount(0);

  // Without JavaScript the composer has an "Add note" button that posts the text as a note.
  const plain = await (await browser.newContext({ javaScriptEnabled: false, storageState: await admin.context().storageState() })).newPage();
  await plain.goto(`/app/inbox/${id}`);
  await plain.getByRole("textbox", { name: "Message" }).fill("Escalated to billing.");
  await plain.getByRole("button", { name: "Add note" }).click();
  await expect(plain.getByTestId("note").filter({ hasText: "Escalated to billing." })).toBeVisible();
  await expect(agent.getByTestId("note").filter({ hasText: "Escalated to billing." })).toBeVisible();
  await expect(user.getByText("Escalated to billing.")).toHaveCount(0);

  // Staff find notes with the header's search; a customer's search never does.
  await open(admin, "/app/search?q=processor");
  await expect(admin.locator('.search-hit[data-kind="note"]')).toContainText("Internal note by Abe");
  await open(user, "/app/search?q=processor");
  await expect(user.locator(".search-hit")).toHaveCount(0);
});
