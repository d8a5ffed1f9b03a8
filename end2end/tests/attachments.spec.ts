import { expect } from "@playwright/test";
import { test, AGENT, customerWithTicket, open, register, staffOn, uniqueEmail } from "./helpers";

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

test("a customer pastes a screenshot and attaches a PDF; the agent sees the thumbnail and downloads the PDF", async ({ browser }) => {
  test.setTimeout(60_000);
  const { user, id } = await customerWithTicket(browser, "The export button shows an error.", "Fiona Files");
  const agent = await staffOn(browser, AGENT, id, { acceptDownloads: true });

  // A pasted image is attached, not pasted as text.
  await user.getByRole("textbox", { name: "Message" }).focus();
  await user.evaluate(async () => {
    const canvas = document.createElement("canvas");
    canvas.width = 640;
    canvas.height = 400;
    const paint = canvas.getContext("2d")!;
    paint.fillStyle = "#c0392b";
    paint.fillRect(0, 0, 640, 400);
    paint.fillStyle = "#ffffff";
    paint.fillRect(80, 80, 200, 120);
    const blob: Blob = await new Promise((resolve) => canvas.toBlob((b) => resolve(b!), "image/png"));
    const data = new DataTransfer();
    data.items.add(new File([blob], "screenshot.png", { type: "image/png" }));
    document.querySelector("#chat-input")!.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  });
  // The PDF through the file picker (its type is taken from its bytes, not from this name).
  await user.locator(".composer input[type=file]").setInputFiles({ name: "invoice-march.pdf", mimeType: "application/octet-stream", buffer: PDF });
  const tray = user.locator(".composer .upload-tray");
  await expect(tray.locator(".upload")).toHaveCount(2);
  await expect(tray.locator("progress")).toHaveCount(0);
  await expect(user.getByRole("textbox", { name: "Message" })).toHaveValue("");
  await user.getByRole("textbox", { name: "Message" }).fill("Here is what I see, and the invoice.");
  await user.getByRole("textbox", { name: "Message" }).press("Enter");
  await expect(tray).toHaveCount(0);

  // The agent has both live: the image as a thumbnail that opens the full picture, the PDF as a card.
  const message = agent.locator("li.message", { hasText: "Here is what I see" });
  const thumbnail = message.getByRole("img", { name: "screenshot.png" });
  await expect(thumbnail).toBeVisible();
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(320);
  await expect(message.getByRole("link", { name: "Open screenshot.png full size" })).toHaveAttribute("href", /^\/api\/attachments\/[0-9a-f]{32}$/);
  const card = message.locator(".file-card");
  await expect(card).toContainText("invoice-march.pdf");
  await expect(card).toContainText("PDF");
  const [download] = await Promise.all([agent.waitForEvent("download"), card.click()]);
  expect(download.suggestedFilename()).toBe("invoice-march.pdf");
  const saved = await download.path();
  expect(require("fs").readFileSync(saved).equals(PDF)).toBe(true);
  await agent.screenshot({ path: "screenshots/ticket-attachments-1280.png" });
  await user.setViewportSize({ width: 390, height: 844 });
  await user.screenshot({ path: "screenshots/ticket-attachments-390.png" });

  // The link is the ticket's people's only: another customer gets "not found".
  const href = await card.getAttribute("href");
  const stranger = await (await browser.newContext()).newPage();
  await register(stranger, "Sam Stranger", uniqueEmail("stranger"));
  await expect(stranger).toHaveURL(/\/app\/tickets$/);
  expect((await stranger.request.get(href!)).status()).toBe(404);
});

test("files picked on the new-ticket form arrive with the ticket", async ({ page }) => {
  await register(page, "Nina New", uniqueEmail("newfiles"));
  await expect(page).toHaveURL(/\/app\/tickets$/);
  await open(page, "/app/tickets/new");
  await page.getByLabel("Describe your issue").fill("The import fails; my notes are attached.");
  await page.locator(".drop-zone input[type=file]").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("Step 1: open the import.\n") });
  await expect(page.locator(".upload-tray .upload")).toContainText("notes.txt");
  await expect(page.locator(".upload-tray progress")).toHaveCount(0);
  await page.screenshot({ path: "screenshots/new-ticket-files-1280.png" });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "screenshots/new-ticket-files-390.png" });
  // A refused form comes back with what it had: the subject, the text, the file.
  await page.getByLabel("Subject").fill("Import fails");
  await page.getByLabel("Describe your issue").fill("   ");
  await page.getByRole("button", { name: "Open ticket" }).click();
  await expect(page.locator("#description-error")).toHaveText("Please describe your issue.");
  await expect(page).toHaveURL(/\/app\/tickets\/new$/);
  await expect(page.getByLabel("Subject")).toHaveValue("Import fails");
  await expect(page.locator(".upload-tray .upload")).toContainText("notes.txt");
  await page.getByLabel("Describe your issue").fill("The import fails; my notes are attached.");
  await page.getByRole("button", { name: "Open ticket" }).click();
  await expect(page).toHaveURL(/\/app\/tickets\/\d+$/);
  await expect(page.locator("li.message .file-card")).toContainText("notes.txt");
  await open(page, "/app/tickets");
  await expect(page.locator(".queue-row .preview").first()).toContainText("You: sent files");
});
