import { expect } from "@playwright/test";
import { test, AGENT, customerWithTicket, open, hydrated, staffOn } from "./helpers";

/** A word nobody else uses, of letters only (a word with digits is not stemmed: "x1s" is not "x1"). */
function uniqueWord(prefix: string): string {
  return prefix + [...String(Date.now() % 1e7)].map((d) => "abcdefghij"[Number(d)]).join("");
}

test("the header's search box finds tickets and messages, marks the words, and keeps customers to their own", async ({ browser }) => {
  test.setTimeout(60_000);
  const word = uniqueWord("kumquat");
  const { user, id } = await customerWithTicket(browser, `My ${word} order arrived bruised.`, "Sid Search");
  const other = await customerWithTicket(browser, `Another ${word} complaint from someone else.`, "Olga Other");
  const agent = await staffOn(browser, AGENT, id);
  await agent.getByPlaceholder("Write a message…").fill(`Sorry about the ${word}s! A refund is on its way.`);
  await agent.getByRole("button", { name: "Send" }).click();
  await expect(user.locator(".bubble").filter({ hasText: "refund is on its way" })).toBeVisible();

  // The agent finds both tickets and the reply ("kumquats" matches "kumquat").
  await agent.getByRole("searchbox", { name: "Search tickets and messages" }).fill(word);
  await agent.getByRole("searchbox", { name: "Search tickets and messages" }).press("Enter");
  await expect(agent).toHaveURL(new RegExp(`/app/search\\?q=${word}`));
  await hydrated(agent);
  const results = agent.locator(".search-hit");
  await expect(results).toHaveCount(3);
  await expect(results.filter({ hasText: "Message from Abe" })).toHaveCount(1);
  await expect(results.locator("mark").first()).toHaveText(new RegExp(word, "i"));
  // The results are the server's (no island): the page's clock makes their times local and relative.
  await expect(results.locator("time").first()).toHaveText(/now|sec|min/);
  await agent.screenshot({ path: "screenshots/search-1280.png" });
  await results.filter({ hasText: "Message from Abe" }).getByRole("link").click();
  await expect(agent).toHaveURL(new RegExp(`/app/inbox/${id}$`));

  // The customer finds only their own ticket and its messages.
  await open(user, `/app/search?q=${word}`);
  await expect(user.locator(".search-hit")).toHaveCount(2);
  await expect(user.locator(`.search-hit[data-ticket-id="${other.id}"]`)).toHaveCount(0);
  await user.setViewportSize({ width: 390, height: 844 });
  await open(user, `/app/search?q=${word}`);
  const overflow = await user.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  await user.screenshot({ path: "screenshots/search-390.png" });

  // Nothing found says so.
  await open(user, "/app/search?q=nothingmatchesthiszzz");
  await expect(user.getByText("Nothing matches this search.")).toBeVisible();
});

test("without JavaScript the search box still searches", async ({ browser }) => {
  const word = uniqueWord("rutabaga");
  const { user } = await customerWithTicket(browser, `The ${word} export fails.`, "Nell Nojs");
  const plain = await (await browser.newContext({ javaScriptEnabled: false, storageState: await user.context().storageState() })).newPage();
  await plain.goto("/app/tickets");
  await plain.getByRole("searchbox", { name: "Search tickets and messages" }).fill(word);
  await plain.getByRole("searchbox", { name: "Search tickets and messages" }).press("Enter");
  await expect(plain.locator(".search-hit")).toHaveCount(1);
  await expect(plain.locator(".search-hit mark")).toHaveText(word);
});
