import { expect, type Page } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";
import { test, AGENT, hydrated, open, register, staffOn, uniqueEmail } from "./helpers";

/** Where scripts/test.sh's SMTP server (tests/app/smtp_sink.py) writes the mails it takes. */
const MAILDIR = process.env.MYRELAY_E2E_MAILDIR ?? "";
const INBOUND_TOKEN = process.env.MYRELAY_E2E_MAIL_TOKEN ?? "";

/** The mails the SMTP server took for `to`, raw. */
function mailsTo(to: string): string[] {
  return fs
    .readdirSync(MAILDIR)
    .filter((name) => name.endsWith(".eml"))
    .sort()
    .map((name) => fs.readFileSync(path.join(MAILDIR, name), "latin1"))
    .filter((raw) => raw.startsWith(`X-Envelope-To: ${to}\r\n`));
}

/** A header of a raw mail (unfolded). */
function header(raw: string, name: string): string {
  const head = raw.split("\r\n\r\n")[0].replace(/\r\n[ \t]+/g, " ");
  const line = head.split("\r\n").find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line ? line.slice(name.length + 1).trim() : "";
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("textbox", { name: "Message" }).press("Enter");
}

test("an answer the customer did not see is mailed once, and their answer by mail appears live in the agent's ticket", async ({ browser, request }) => {
  test.setTimeout(60_000);
  const email = uniqueEmail("mailed");
  const customer = await (await browser.newContext()).newPage();
  await register(customer, "Mo Mailer", email);
  await expect(customer).toHaveURL(/\/app\/tickets$/);
  await open(customer, "/app/tickets/new");
  await customer.getByLabel("Describe your issue").fill("My parcel never arrived.");
  await customer.getByRole("button", { name: "Open ticket" }).click();
  await expect(customer).toHaveURL(/\/app\/tickets\/\d+$/);
  const id = customer.url().split("/").pop()!;
  // The customer closes the tab and goes away.
  await customer.close();

  const agent = await staffOn(browser, AGENT, id);
  // The customer has left (after the presence grace that keeps a reload from looking like leaving).
  await expect(agent.getByTestId("presence")).toHaveText("Nobody else is here right now", { timeout: 15_000 });
  await say(agent, "We sent a new parcel today.");
  await expect(agent.getByTestId("messages")).toContainText("We sent a new parcel today.");
  // The side pane tells the agent it was mailed, once the customer had a chance to read it live.
  await expect(agent.getByTestId("ticket-mail").locator("li[data-state=sent]")).toHaveCount(1, { timeout: 20_000 });
  // Loaded afresh, the page hydrates with the mail in its side pane.
  await open(agent, `/app/inbox/${id}`);
  await expect(agent.getByTestId("ticket-mail").locator("li[data-state=sent]")).toContainText("1 reply");
  await expect(agent.getByTestId("connection")).toHaveText("live");
  const mails = mailsTo(email);
  expect(mails).toHaveLength(1);
  const mail = mails[0];
  expect(header(mail, "Subject")).toContain(`[#${id}]`);
  expect(mail.replace(/=\r\n/g, "")).toContain("We sent a new parcel today.");

  // The customer answers from their mailbox: the provider posts the mail to MyRelay.
  const replyTo = header(mail, "Reply-To").replace(/^.*</, "").replace(/>.*$/, "");
  expect(replyTo).toMatch(new RegExp(`^support\\+${id}-\\d+-[0-9a-f]+@e2e\\.myrelay\\.test$`));
  const answer = [
    `From: Mo Mailer <${email}>`,
    `To: ${replyTo}`,
    `Subject: Re: ${header(mail, "Subject")}`,
    `Message-ID: <${Date.now()}@mailbox.example.com>`,
    `In-Reply-To: ${header(mail, "Message-ID")}`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Thank you, it just arrived!",
    "",
    `On Mon, MyRelay Support <${replyTo}> wrote:`,
    "> We sent a new parcel today.",
    "",
  ].join("\r\n");
  const posted = await request.post("/api/mail/inbound", { headers: { authorization: `Bearer ${INBOUND_TOKEN}` }, data: answer });
  expect(posted.status()).toBe(200);
  expect((await posted.json()).outcome).toBe("accepted");
  const thread = agent.getByTestId("messages");
  await expect(thread).toContainText("Thank you, it just arrived!");
  await expect(thread).not.toContainText("wrote:");
  // Nothing more was mailed to the customer.
  expect(mailsTo(email)).toHaveLength(1);
});

test("a customer turns the mails off on their tickets page, also without JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/register");
  await page.getByLabel("Your name").fill("Nora NoScript");
  await page.getByLabel("Email").fill(uniqueEmail("noscript"));
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/app\/tickets$/);
  const setting = page.getByTestId("email-setting");
  await expect(setting).toContainText("On:");
  await setting.getByRole("button", { name: "Turn off" }).click();
  await expect(page).toHaveURL(/\/app\/tickets\??$/);
  await expect(page.getByTestId("email-setting")).toContainText("Off:");

  // With JavaScript: the same form, no page load.
  const live = await (await browser.newContext()).newPage();
  await register(live, "Jo Script", uniqueEmail("script"));
  await expect(live).toHaveURL(/\/app\/tickets$/);
  await hydrated(live);
  await live.getByTestId("email-setting").getByRole("button", { name: "Turn off" }).click();
  await expect(live.getByTestId("email-setting")).toContainText("Off:");
  await live.getByTestId("email-setting").getByRole("button", { name: "Turn on" }).click();
  await expect(live.getByTestId("email-setting")).toContainText("On:");
});
