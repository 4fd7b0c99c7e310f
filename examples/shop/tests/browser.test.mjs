// The payment windows end to end in headless Chromium: the example shop (payup-shop) against the payup
// sandbox. Run by scripts/test-browser, which starts both and sets SHOP_URL, SANDBOX_URL, SHOP_LOG and
// SCREENSHOT_DIR. Every check reads the real pages and the sandbox's ledger (GET /__sandbox/transactions).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const SHOP = process.env.SHOP_URL;
const SANDBOX = process.env.SANDBOX_URL;
const SHOTS = path.resolve(process.env.SCREENSHOT_DIR || "target/browser-screenshots");
const SHOP_LOG = process.env.SHOP_LOG;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
if (!SHOP || !SANDBOX) throw new Error("set SHOP_URL and SANDBOX_URL (scripts/test-browser does)");

const ANDROID_UA =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36";
const IPHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const DESKTOP_UA =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

// The shop's catalogue item with every character HTML must escape, and a buyer name likewise.
const SPECIAL_ITEM = "한정판 \"<머그>\" & '컵' 세트";
const SPECIAL_BUYER = "김<b>\"철수\"</b> & '영희'";
// Canary card data typed into Payple's window: none of it may reach the shop.
const CANARY = { card: "4556737586899855", birth: "731205", pw: "47" };

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const tmpDirs = [];
before(() => fs.mkdirSync(SHOTS, { recursive: true }));
after(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Runs `fn(page)` in a fresh Chromium (fresh --user-data-dir); on failure saves a screenshot and says where. */
async function inBrowser(t, userAgent, fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "payup-shop-chromium-"));
  tmpDirs.push(dir);
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    userAgent,
    locale: "ko-KR",
    viewport: { width: 1000, height: 900 },
  });
  ctx.setDefaultTimeout(15000);
  const page = ctx.pages()[0] || (await ctx.newPage());
  const consoleLines = [];
  page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e.message}`));
  try {
    await fn(page);
  } catch (err) {
    const file = path.join(SHOTS, `${t.name.replace(/[^A-Za-z0-9._-]+/g, "_")}.png`);
    try {
      await page.screenshot({ path: file, fullPage: true });
      console.error(`screenshot of the failure: ${file} (page ${page.url()})`);
      t.diagnostic(`screenshot: ${file}`);
    } catch (e) {
      console.error(`no screenshot: ${e.message}`);
    }
    if (consoleLines.length) console.error(`browser console:\n  ${consoleLines.join("\n  ")}`);
    throw err;
  } finally {
    await ctx.close();
  }
}

async function ledger() {
  const r = await fetch(`${SANDBOX}/__sandbox/transactions`);
  assert.equal(r.status, 200);
  return r.json();
}

/** The ledger's transactions of one shop order (Payup: by order_number; Payple: the oid is the id). */
async function txOf(orderId) {
  const l = await ledger();
  return l.transactions.filter((t) => t.order_number === orderId || t.id === orderId);
}

async function kakaoOrderOf(orderId) {
  const l = await ledger();
  return l.kakaopay_orders.find((o) => o.order_number === orderId);
}

/** On the shop's home page: picks a product, types the buyer, presses a payment button. */
async function checkout(page, { product = "special", buyer = SPECIAL_BUYER, button }) {
  await page.goto(SHOP);
  await page.check(`input[name=product][value=${product}]`);
  await page.fill("#buyer_name", buyer);
  await page.click(button);
}

function orderIdFromUrl(url) {
  const m = /\/orders\/([A-Za-z0-9]+)/.exec(url) || /[?&]order=([A-Za-z0-9]+)/.exec(url);
  assert.ok(m, `no order id in ${url}`);
  return m[1];
}

async function expectReceipt(page, { item, buyer, amount }) {
  await page.waitForURL(/\/orders\/[A-Za-z0-9]+$/);
  await page.waitForSelector("#receipt");
  assert.equal(await page.getAttribute("#status", "data-status"), "paid", await page.textContent("body"));
  assert.equal(await page.textContent("#receipt-item"), item);
  assert.equal(await page.textContent("#receipt-buyer"), buyer);
  assert.equal(await page.textContent("#receipt-amount"), amount);
  // Escaped: the names' markup did not become elements.
  assert.equal(await page.locator("#receipt-buyer *, #receipt-item *").count(), 0);
  return orderIdFromUrl(page.url());
}

async function cancelFromShop(page) {
  await page.click("#cancel");
  await page.waitForSelector("#status[data-status=cancelled]");
}

async function expectFailure(page, reason) {
  await page.waitForSelector("#failure");
  const text = await page.textContent("#failure-reason");
  if (reason) assert.match(text, reason);
  return { reason: text, detail: await page.textContent("#failure-detail") };
}

/** Decodes an application/x-www-form-urlencoded body in EUC-KR (the KakaoPay form's accept-charset). */
function decodeEucKrForm(buf) {
  const dec = new TextDecoder("euc-kr");
  const out = {};
  for (const part of buf.toString("latin1").split("&")) {
    const [k, v = ""] = part.split("=");
    const bytes = (s) => {
      const b = [];
      for (let i = 0; i < s.length; i++) {
        if (s[i] === "+") b.push(32);
        else if (s[i] === "%") { b.push(parseInt(s.slice(i + 1, i + 3), 16)); i += 2; }
        else b.push(s.charCodeAt(i));
      }
      return Uint8Array.from(b);
    };
    out[dec.decode(bytes(k))] = dec.decode(bytes(v));
  }
  return out;
}

// ---- KakaoPay ----------------------------------------------------------------------------------------

for (const [label, ua] of [["Android", ANDROID_UA], ["iPhone", IPHONE_UA]]) {
  test(`KakaoPay mobile window (WM, ${label}): pay, receipt, ledger approved, cancel from the shop`, async (t) => {
    await inBrowser(t, ua, async (page) => {
      // The shop's window page posts its form to pay_url by itself (EUC-KR, as its accept-charset says).
      const posted = page.waitForRequest((r) => r.url().startsWith(`${SANDBOX}/kcp/mobile/pay`) && r.method() === "POST");
      await checkout(page, { button: "#pay-kakaopay" });
      const form = decodeEucKrForm((await posted).postDataBuffer());
      assert.equal(form.good_name, SPECIAL_ITEM, "the window form's good_name");
      assert.equal(form.buyr_name, SPECIAL_BUYER, "the window form's buyr_name");
      assert.equal(form.good_mny, "3900");
      assert.ok(form.approval_key, "the WM form carries approval_key");
      const orderId = /[?&]order=([A-Za-z0-9]+)/.exec(form.Ret_URL)[1];

      // KakaoPay's mobile window (the sandbox's stand-in) shows them intact.
      await page.waitForSelector("#choose-card");
      assert.equal(await page.textContent("#good_name"), SPECIAL_ITEM);
      assert.equal(await page.textContent("#buyr_name"), SPECIAL_BUYER);
      assert.equal((await kakaoOrderOf(orderId)).user_agent, "WM");
      await page.click("#choose-card");

      assert.equal(await expectReceipt(page, { item: SPECIAL_ITEM, buyer: SPECIAL_BUYER, amount: "3,900원" }), orderId);
      let [tx] = await txOf(orderId);
      assert.ok(tx, "the ledger holds the approval");
      assert.equal(tx.gateway, "payup");
      assert.equal(tx.operation, "payup.kakaopay.approve");
      assert.equal(tx.status, "approved");
      assert.equal(tx.amount, 3900);
      assert.equal(await page.textContent("#receipt-tx"), tx.id);

      await cancelFromShop(page);
      [tx] = await txOf(orderId);
      assert.equal(tx.status, "cancelled");
    });
  });
}


// Clicks "결제하기" once the page's scripts are in: the button is parsed before Payple's script (a blocking
// <script src>) finishes loading, and a click before the shop's handler is attached does nothing.
async function openPayple(page) {
  await page.waitForFunction(() => typeof window.PaypleCpayAuthCheck === "function" && document.readyState !== "loading");
  await page.click("#payple-open");
}

test("KakaoPay PC window (WP, desktop): pay, receipt, ledger approved, cancel from the shop", async (t) => {
  await inBrowser(t, DESKTOP_UA, async (page) => {
    await checkout(page, { button: "#pay-kakaopay" });
    // The shop's page loads KCP's script (the sandbox's stand-in), which opens the window in the page.
    await page.waitForSelector("#kcp-sandbox-window #kcp-choose-card");
    const form = await page.evaluate(() => {
      const f = document.order_info;
      return { good_name: f.good_name.value, buyr_name: f.buyr_name.value, action: f.action, charset: f.acceptCharset };
    });
    assert.equal(form.good_name, SPECIAL_ITEM);
    assert.equal(form.buyr_name, SPECIAL_BUYER);
    assert.equal(form.charset.toLowerCase(), "euc-kr");
    assert.equal(await page.textContent("#kcp-sandbox-window .kcp-good_name"), SPECIAL_ITEM);
    assert.equal(await page.textContent("#kcp-sandbox-window .kcp-buyr_name"), SPECIAL_BUYER);
    const orderId = orderIdFromUrl(form.action);
    assert.equal((await kakaoOrderOf(orderId)).user_agent, "WP");

    await page.click("#kcp-choose-card");
    await expectReceipt(page, { item: SPECIAL_ITEM, buyer: SPECIAL_BUYER, amount: "3,900원" });
    let [tx] = await txOf(orderId);
    assert.ok(tx, "the ledger holds the approval");
    assert.equal(tx.status, "approved");
    assert.equal(tx.amount, 3900);

    await cancelFromShop(page);
    [tx] = await txOf(orderId);
    assert.equal(tx.status, "cancelled");
  });
});

test("KakaoPay: KakaoPay money from the PC window, plain names", async (t) => {
  await inBrowser(t, DESKTOP_UA, async (page) => {
    await checkout(page, { product: "mug", buyer: "홍길동", button: "#pay-kakaopay" });
    await page.click("#kcp-choose-money");
    const orderId = await expectReceipt(page, { item: "payup 머그컵", buyer: "홍길동", amount: "2,500원" });
    assert.match(await page.textContent("#receipt-method"), /KAKAO_MONEY/);
    const [tx] = await txOf(orderId);
    assert.equal(tx.status, "approved");
  });
});

test("CSRF: a forged cross-site POST to the shop's cancel is refused and cancels nothing", async (t) => {
  await inBrowser(t, DESKTOP_UA, async (page) => {
    await checkout(page, { product: "mug", buyer: "홍길동", button: "#pay-kakaopay" });
    await page.click("#kcp-choose-money");
    const orderId = await expectReceipt(page, { item: "payup 머그컵", buyer: "홍길동", amount: "2,500원" });
    // The buyer, still logged in to the shop (its session cookie in this browser), visits another site whose
    // page submits a form to the shop's cancel by itself.
    const EVIL = "http://attacker.invalid/";
    await page.route(`${EVIL}**`, (route) =>
      route.fulfill({
        contentType: "text/html; charset=utf-8",
        body: `<!DOCTYPE html><form id="f" method="post" action="${SHOP}/orders/${orderId}/cancel">
               <input name="reason" value="forged"></form><script>document.getElementById("f").submit()</script>`,
      }),
    );
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${SHOP}/orders/${orderId}/cancel`),
      page.goto(EVIL),
    ]);
    assert.equal(resp.status(), 403, await resp.text());
    let [tx] = await txOf(orderId);
    assert.equal(tx.status, "approved", "the forged POST cancelled nothing");
    // The buyer's own cancel button (with the session's token) still works.
    await page.goto(`${SHOP}/orders/${orderId}`);
    await cancelFromShop(page);
    [tx] = await txOf(orderId);
    assert.equal(tx.status, "cancelled");
  });
});

test("KakaoPay: the person cancels in the PC window → failure page, no approval", async (t) => {
  await inBrowser(t, DESKTOP_UA, async (page) => {
    await checkout(page, { button: "#pay-kakaopay" });
    await page.click("#kcp-choose-cancel");
    const { detail } = await expectFailure(page, /취소/);
    assert.match(detail, /3001/);
    const orderId = orderIdFromUrl(page.url());
    assert.deepEqual(await txOf(orderId), [], "the ledger holds no transaction for the order");
    assert.equal((await kakaoOrderOf(orderId)).status, "window_cancelled");
  });
});

test("KakaoPay: the person cancels in the mobile window → failure page, no approval", async (t) => {
  await inBrowser(t, ANDROID_UA, async (page) => {
    await checkout(page, { button: "#pay-kakaopay" });
    await page.click("#choose-cancel");
    await expectFailure(page, /취소/);
    const orderId = orderIdFromUrl(page.url());
    assert.deepEqual(await txOf(orderId), []);
  });
});

test("KakaoPay: a forged post-back (res_cd 0000, made-up enc_data) → no approval, a clear failure page", async (t) => {
  await inBrowser(t, DESKTOP_UA, async (page) => {
    await checkout(page, { button: "#pay-kakaopay" });
    await page.waitForSelector("#kcp-sandbox-window");
    // Instead of paying, post what a forger would to the shop's Ret_URL: a success code with made-up data.
    const action = await page.evaluate(() => {
      const f = document.createElement("form");
      f.method = "post";
      f.action = document.order_info.action;
      const fields = {
        res_cd: "0000", res_msg: "정상처리", enc_info: "FORGEDencinfo0123456789", enc_data: "FORGEDencdata0123456789abcdef",
        tran_cd: "00100000", card_pay_method: "KAKAO_CARD", ordr_idxx: document.order_info.ordr_idxx.value,
        use_pay_method: "100000000000",
      };
      for (const [k, v] of Object.entries(fields)) {
        const i = document.createElement("input"); i.type = "hidden"; i.name = k; i.value = v; f.appendChild(i);
      }
      document.body.appendChild(f);
      f.submit();
      return f.action;
    });
    const { reason, detail } = await expectFailure(page, /승인에 실패/);
    assert.match(detail, /6002/, `the gateway refused the forged enc_data: ${reason} / ${detail}`);
    const orderId = orderIdFromUrl(action);
    assert.deepEqual(await txOf(orderId), [], "no approval in the ledger");
    assert.notEqual((await kakaoOrderOf(orderId)).status, "paid");
    // The shop's order is not paid either.
    await page.goto(`${SHOP}/orders/${orderId}`);
    await page.waitForSelector("#failure");
  });
});

test("KakaoPay: a post-back naming another order's ordr_idxx is refused before any approval", async (t) => {
  await inBrowser(t, DESKTOP_UA, async (page) => {
    await checkout(page, { button: "#pay-kakaopay" });
    await page.waitForSelector("#kcp-sandbox-window");
    const action = await page.evaluate(() => {
      const f = document.order_info;
      f.ordr_idxx.value = "20200101000000ST9999";
      f.res_cd.value = "0000";
      f.enc_info.value = "x";
      f.enc_data.value = "y";
      f.card_pay_method.value = "KAKAO_CARD";
      f.submit();
      return f.action;
    });
    await expectFailure(page, /다른 주문/);
    assert.deepEqual(await txOf(orderIdFromUrl(action)), []);
  });
});

// ---- Payple ------------------------------------------------------------------------------------------

async function paypleWindowPay(page, card) {
  await openPayple(page);
  await page.waitForSelector("#payple-sandbox-window #payple-pay");
  if (card) {
    await page.fill("#payple-card_no", card.card);
    await page.fill("#payple-card_birth", card.birth);
    await page.fill("#payple-card_pw", card.pw);
  }
  await page.click("#payple-pay");
}

for (const [label, button, via] of [
  ["PCD_RST_URL", "#pay-payple", "PCD_RST_URL"],
  ["callbackFunction", "#pay-payple-callback", "callbackFunction"],
]) {
  test(`Payple window, result by ${label}: pay (CERT), shop confirms, receipt, ledger approved, cancel`, async (t) => {
    await inBrowser(t, DESKTOP_UA, async (page) => {
      await checkout(page, { button });
      await page.waitForSelector("#payple-open");
      // The window form: the values Payple's script reads, escaped and intact.
      const fields = await page.evaluate(() => {
        const o = {};
        for (const el of document.getElementById("payple_order").elements) o[el.name] = el.value;
        return o;
      });
      assert.equal(fields.PCD_PAY_GOODS, SPECIAL_ITEM);
      assert.equal(fields.PCD_PAYER_NAME, SPECIAL_BUYER);
      assert.equal(fields.PCD_PAY_TOTAL, "3900");
      assert.equal(fields.PCD_PAY_WORK, "CERT");
      assert.equal("PCD_RST_URL" in fields, via === "PCD_RST_URL");
      assert.equal(await page.textContent("#item-name"), SPECIAL_ITEM);
      assert.equal(await page.textContent("#buyer-name"), SPECIAL_BUYER);
      const orderId = fields.PCD_PAY_OID;

      const toShop = [];
      page.on("request", (r) => {
        if (r.url().startsWith(SHOP)) toShop.push(`${r.method()} ${r.url()} ${r.postData() || ""}`);
      });
      await paypleWindowPay(page, CANARY);
      await expectReceipt(page, { item: SPECIAL_ITEM, buyer: SPECIAL_BUYER, amount: "3,900원" });
      assert.match(await page.textContent("#receipt-method"), new RegExp(via));
      assert.match(await page.textContent("#receipt-card"), /\*/, "the card is shown masked");
      let [tx] = await txOf(orderId);
      assert.ok(tx, "the ledger holds the approval");
      assert.equal(tx.gateway, "payple");
      assert.equal(tx.operation, "payple.card.confirm");
      assert.equal(tx.status, "approved");
      assert.equal(tx.amount, 3900);

      // Card data typed into the window never reached the shop: not in a request to it, not in its pages,
      // not in its log.
      for (const r of toShop) {
        assert.ok(!r.includes(CANARY.card) && !r.includes(CANARY.birth), `a request to the shop held card data: ${r}`);
        assert.ok(!/card_(no|pw|birth|expiry)=/.test(r), `a request to the shop held a card field: ${r}`);
      }
      assert.ok(!(await page.content()).includes(CANARY.card), "no full card number on the receipt");
      if (SHOP_LOG) assert.ok(!fs.readFileSync(SHOP_LOG, "utf8").includes(CANARY.card), "no card number in the shop's log");

      await cancelFromShop(page);
      [tx] = await txOf(orderId);
      assert.equal(tx.status, "cancelled");
    });
  });
}

test("Payple: the person closes the window → failure page, no approval", async (t) => {
  await inBrowser(t, DESKTOP_UA, async (page) => {
    await checkout(page, { button: "#pay-payple" });
    const orderId = await page.getAttribute("#payple_order", "data-order");
    await openPayple(page);
    await page.click("#payple-sandbox-window #payple-close");
    await expectFailure(page, /취소/);
    assert.deepEqual(await txOf(orderId), []);
  });
});

test("Payple: the person closes the window (callbackFunction) → failure page, no approval", async (t) => {
  await inBrowser(t, DESKTOP_UA, async (page) => {
    await checkout(page, { button: "#pay-payple-callback" });
    const orderId = await page.getAttribute("#payple_order", "data-order");
    await openPayple(page);
    await page.click("#payple-sandbox-window #payple-close");
    await expectFailure(page, /취소/);
    assert.deepEqual(await txOf(orderId), []);
  });
});

test("Payple: a declined card is refused at the shop's confirm → failure page, no approval", async (t) => {
  await inBrowser(t, DESKTOP_UA, async (page) => {
    await checkout(page, { button: "#pay-payple" });
    const orderId = await page.getAttribute("#payple_order", "data-order");
    await paypleWindowPay(page, { card: "4000000000000002", birth: "900101", pw: "12" });
    const { detail } = await expectFailure(page, /승인에 실패/);
    assert.match(detail, /SPCD0101/);
    assert.deepEqual((await txOf(orderId)).filter((t) => t.status === "approved"), []);
  });
});

for (const [label, cofurl] of [
  ["made-up PCD_PAY_REQKEY", (sb) => `${sb}/php/PayCardConfirmAct.php?ACT_=PAYM`],
  ["PCD_PAY_COFURL on another host", () => "http://127.0.0.2:9/php/PayCardConfirmAct.php?ACT_=PAYM"],
]) {
  test(`Payple: a forged result post (${label}) → no approval, a clear failure page`, async (t) => {
    await inBrowser(t, DESKTOP_UA, async (page) => {
      await checkout(page, { button: "#pay-payple" });
      await page.waitForSelector("#payple-open");
      const orderId = await page.evaluate((cof) => {
        const o = {};
        for (const el of document.getElementById("payple_order").elements) o[el.name] = el.value;
        const f = document.createElement("form");
        f.method = "post";
        f.action = o.PCD_RST_URL;
        f.acceptCharset = "UTF-8";
        const fields = {
          PCD_PAY_RST: "success", PCD_PAY_MSG: "결제요청 완료", PCD_PAY_TYPE: "card", PCD_PAY_WORK: "CERT",
          PCD_PAY_OID: o.PCD_PAY_OID, PCD_PAY_GOODS: o.PCD_PAY_GOODS, PCD_PAY_TOTAL: o.PCD_PAY_TOTAL,
          PCD_AUTH_KEY: "a3B5c7D9forgedAuthKey0123456789", PCD_PAY_REQKEY: "FORGEDREQKEY0123456789abcdefgh",
          PCD_PAY_COFURL: cof,
        };
        for (const [k, v] of Object.entries(fields)) {
          const i = document.createElement("input"); i.type = "hidden"; i.name = k; i.value = v; f.appendChild(i);
        }
        document.body.appendChild(f);
        f.submit();
        return o.PCD_PAY_OID;
      }, cofurl(SANDBOX));
      const { detail } = await expectFailure(page, /승인에 실패/);
      assert.match(detail, /SPCD0100|config error/, detail);
      assert.deepEqual(await txOf(orderId), [], "no approval in the ledger");
    });
  });
}

// The sandbox dashboard (/__sandbox/): a merchant-style Payple auth with no work flag (the window samples'
// payple_auth_file, PAYPLECORP/sample_php pg/pay/cPayPayple/payple_payAuth.php) and its payment leave a
// warning; the dashboard shows it with the entry's masked summary, filters the ledger, and is screenshotted.
test("sandbox dashboard: filters, masked summaries and warnings, screenshot", async (t) => {
  const post = async (p, body) => {
    const r = await fetch(`${SANDBOX}${p}`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    assert.equal(r.status, 200);
    return r.json();
  };
  const a = await post("/php/auth.php", { cst_id: "test", custKey: "abcd1234567890" });
  assert.equal(a.result, "success", JSON.stringify(a));
  const oid = `dash${Date.now()}`;
  const pay = await post(new URL(a.return_url).pathname + new URL(a.return_url).search, {
    PCD_CST_ID: a.cst_id, PCD_CUST_KEY: a.custKey, PCD_AUTH_KEY: a.AuthKey, PCD_PAY_TYPE: "card",
    PCD_PAY_WORK: "PAY", PCD_PAY_GOODS: "대시보드", PCD_PAY_TOTAL: "1000", PCD_PAY_OID: oid,
    card_no: CANARY.card, card_expiry: "1230", card_birth: CANARY.birth, card_pw: CANARY.pw,
  });
  assert.equal(pay.PCD_PAY_CODE, "SPCD0000", JSON.stringify(pay));
  await inBrowser(t, DESKTOP_UA, async (page) => {
    await page.goto(`${SANDBOX}/__sandbox/`);
    await page.waitForSelector("#ledger");
    const row = page.locator("#ledger tr", { hasText: oid });
    assert.equal(await row.count(), 1);
    assert.match(await row.getAttribute("class"), /warned/);
    assert.match(await row.textContent(), /PCD_PAY_TYPE/);
    assert.match(await row.textContent(), /payple_payAuth\.php/);
    const html = await page.content();
    assert.ok(!html.includes(CANARY.card), "no full card number on the dashboard");
    assert.match(await row.textContent(), /455673\*{6}9855/);
    // Filter: payple entries with warnings only.
    await page.selectOption("select[name=gateway]", "payple");
    await page.check("input[name=warnings]");
    await page.click("#filters button[type=submit]");
    await page.waitForURL(/gateway=payple/);
    const gateways = await page.locator("#ledger tr td:first-child").allTextContents();
    assert.ok(gateways.length >= 1 && gateways.every((g) => g === "payple"), gateways.join(","));
    assert.equal(await page.locator("#ledger tr:not(.warned) td").count(), 0, "only warned rows");
    const file = path.join(SHOTS, "sandbox-dashboard.png");
    await page.screenshot({ path: file, fullPage: true });
    const png = fs.readFileSync(file);
    assert.ok(png.length > 10_000 && png.subarray(1, 4).toString() === "PNG", `screenshot ${file}`);
  });
});
