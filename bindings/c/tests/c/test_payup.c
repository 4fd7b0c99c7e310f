/*
 * The C test of libpayup: compiled with gcc against include/payup.h, linked once with libpayup.so and once
 * with libpayup.a, run under valgrind by scripts/test-c.
 *
 *   test_payup VECTORS_DIR
 *
 * Checks the shared vectors of tests/vectors/ through the pure functions, then drives the embedded sandbox
 * through a client: approvals and cancels, a declined card, invalid requests, configuration errors, a
 * connection refused (not_sent), an outcome made unknown by a fault (ambiguous), NULL arguments, card data
 * canaries, and one client shared by several threads. Ends with "N passed, N failed".
 */
#include "payup.h"
#include "minijson.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int passed, failed;

#define CHECK(cond, ...)                                          \
  do {                                                            \
    if (cond) {                                                   \
      passed++;                                                   \
    } else {                                                      \
      failed++;                                                   \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                               \
      fputc('\n', stderr);                                        \
    }                                                             \
  } while (0)

static char vectors_dir[4096];

static mj *load_vectors(const char *name) {
  char path[8192];
  snprintf(path, sizeof path, "%s/%s", vectors_dir, name);
  char *text = mj_read_file(path);
  if (!text) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  mj *v = mj_parse(text);
  free(text);
  if (!v) {
    fprintf(stderr, "%s is not JSON\n", path);
    exit(2);
  }
  return v;
}

/* The canaries: none of these may appear in any error document. */
static const char *CANARIES[] = {"4556737586899855", "4556737586070002", "731205", "CANARYKEY0123456789abcdef", "\"47\""};

static int holds_canary(const char *s) {
  for (size_t i = 0; i < sizeof CANARIES / sizeof *CANARIES; i++)
    if (s && strstr(s, CANARIES[i])) return 1;
  return 0;
}

/* Checks an error document against {"kind", "code", "gateway", "field", "message"} expectations (NULL: any). */
static void check_error_doc(const char *what, const char *json, const char *kind, const char *code,
                            const char *gateway, const char *field) {
  mj *doc = mj_parse(json);
  mj *err = mj_get(doc, "error");
  CHECK(err != NULL, "%s: not an error document: %s", what, json ? json : "(null)");
  if (err) {
    const char *k = mj_str(err, "kind");
    CHECK(k && !strcmp(k, kind), "%s: kind %s, want %s", what, k ? k : "(none)", kind);
    if (code) {
      const char *c = mj_str(err, "code");
      CHECK(c && !strcmp(c, code), "%s: code %s, want %s", what, c ? c : "(none)", code);
    }
    if (gateway) {
      const char *g = mj_str(err, "gateway");
      CHECK(g && !strcmp(g, gateway), "%s: gateway %s, want %s", what, g ? g : "(none)", gateway);
    }
    if (field) {
      const char *f = mj_str(err, "field");
      CHECK(f && !strcmp(f, field), "%s: field %s, want %s", what, f ? f : "(none)", field);
    }
    CHECK(mj_str(err, "message") != NULL, "%s: no message", what);
  }
  mj_free(doc);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Shared vectors through the pure functions.                                                              */

static void test_version(void) {
  char want[64];
  snprintf(want, sizeof want, "%d.%d.%d", PAYUP_VERSION_MAJOR, PAYUP_VERSION_MINOR, PAYUP_VERSION_PATCH);
  const char *v = payup_version();
  CHECK(v && !strcmp(v, want), "payup_version() = %s, header says %s", v ? v : "(null)", want);
  CHECK(payup_version() == v, "payup_version is static");
  CHECK(PAYUP_VERSION_NUMBER == PAYUP_VERSION_MAJOR * 10000 + PAYUP_VERSION_MINOR * 100 + PAYUP_VERSION_PATCH,
        "version number");
  CHECK(PAYUP_OK == 0 && PAYUP_DECLINED == 1 && PAYUP_INVALID == 2 && PAYUP_NOT_SENT == 3 && PAYUP_AMBIGUOUS == 4 &&
            PAYUP_CONFIG == 5 && PAYUP_NULL_ARGUMENT == 6 && PAYUP_PANIC == 7,
        "result numbering");
  CHECK(!strcmp(payup_result_name(PAYUP_AMBIGUOUS), "PAYUP_AMBIGUOUS"), "result name");
  CHECK(!strcmp(payup_result_name(99), "PAYUP_UNKNOWN"), "unknown result name");
}

static void test_operations_schema(void) {
  char *out = NULL;
  CHECK(payup_operations_schema(&out) == PAYUP_OK, "operations schema");
  mj *doc = mj_parse(out);
  mj *ops = mj_get(doc, "operations");
  CHECK(ops && ops->count == 16, "16 operations in the schema");
  int typed = 1;
  for (size_t i = 0; ops && i < ops->count; i++) {
    mj *req = mj_get(ops->items[i], "request"), *res = mj_get(ops->items[i], "result");
    if (!mj_str(ops->items[i], "name") || !req || !res || !res->count) typed = 0;
  }
  CHECK(typed, "every operation has a name, request fields and result fields");
  CHECK(payup_operations_schema(NULL) == PAYUP_NULL_ARGUMENT, "schema: NULL out");
  mj_free(doc);
  payup_string_free(out);
}

static void test_signature_vectors(void) {
  mj *v = load_vectors("signatures.json");
  mj *vectors = mj_get(v, "vectors");
  CHECK(vectors && vectors->count >= 2, "signature vectors present");
  for (size_t i = 0; vectors && i < vectors->count; i++) {
    mj *t = vectors->items[i];
    const char *kind = mj_str(t, "kind"), *name = mj_str(t, "name");
    char *sig = NULL;
    payup_result rc;
    if (!strcmp(kind, "approval")) {
      rc = payup_sign_approval(mj_str(t, "merchant_id"), mj_str(t, "order_number"),
                               (uint64_t)mj_get(t, "amount")->num, mj_str(t, "api_cert_key"), mj_str(t, "timestamp"),
                               &sig);
    } else {
      rc = payup_sign_cancel(mj_str(t, "merchant_id"), mj_str(t, "transaction_id"), mj_str(t, "api_cert_key"), &sig);
    }
    CHECK(rc == PAYUP_OK && sig && !strcmp(sig, mj_str(t, "signature")), "%s: got %s", name, sig ? sig : "(null)");
    payup_string_free(sig);
  }
  mj_free(v);
}

static void test_request_vectors(void) {
  mj *v = load_vectors("requests.json");
  mj *cases = mj_get(v, "cases");
  CHECK(cases && cases->count > 0, "request vectors present");
  for (size_t i = 0; cases && i < cases->count; i++) {
    mj *c = cases->items[i];
    const char *name = mj_str(c, "name");
    char *config = mj_dump(mj_get(c, "credentials"));
    char *request = mj_dump(mj_get(c, "request"));
    char *auth = mj_get(c, "auth") ? mj_dump(mj_get(c, "auth")) : NULL;
    char *out = NULL;
    payup_result rc = payup_prepare(config, mj_str(c, "operation"), request, (int64_t)mj_get(c, "now_unix")->num,
                                    auth, &out);
    CHECK(rc == PAYUP_OK, "%s: %s %s", name, payup_result_name(rc), out ? out : "");
    mj *got = mj_parse(out), *want = mj_get(c, "expected");
    CHECK(got != NULL, "%s: result is JSON", name);
    if (got && rc == PAYUP_OK) {
      CHECK(mj_equal(mj_get(got, "method"), mj_get(want, "method")), "%s: method", name);
      CHECK(mj_equal(mj_get(got, "target"), mj_get(want, "target")), "%s: target", name);
      mj *gh = mj_get(got, "headers"), *wh = mj_get(want, "headers");
      for (size_t h = 0; wh && h < wh->count; h++)
        CHECK(mj_equal(mj_get(gh, wh->keys[h]), wh->items[h]), "%s: header %s", name, wh->keys[h]);
      CHECK(gh && wh && gh->count == wh->count, "%s: extra headers", name);
      int body_ok = mj_equal(mj_get(got, "body"), mj_get(want, "body"));
      char *gb = body_ok ? NULL : mj_dump(mj_get(got, "body"));
      CHECK(body_ok, "%s: body %s", name, gb ? gb : "");
      free(gb);
    }
    mj_free(got);
    payup_string_free(out);
    free(config);
    free(request);
    free(auth);
  }
  mj_free(v);
}

/* A minimal valid request per operation, so that a response can be parsed in context (the same as
 * crates/payup-core/tests/vectors.rs). */
/* One minimal valid request per operation (tests/vectors/minimal_requests.json, shared by every language);
   the caller frees the result. */
static char *sample_request(mj *minimal, const char *op) {
  mj *r = mj_get(mj_get(minimal, "requests"), op);
  return r ? mj_dump(r) : NULL;
}

/* Compares a result (or error) document with a vector's "expected" (or "error" member subset). */
static void check_outcome(const char *name, payup_result rc, const char *out, mj *c) {
  mj *got = mj_parse(out);
  CHECK(got != NULL, "%s: out is JSON (%s)", name, payup_result_name(rc));
  mj *want = mj_get(c, "expected"), *want_err = mj_get(c, "error");
  if (want) {
    CHECK(rc == PAYUP_OK, "%s: %s %s", name, payup_result_name(rc), out ? out : "");
    int same = mj_equal(got, want);
    CHECK(same, "%s: result %s", name, out ? out : "");
  } else if (want_err) {
    mj *err = mj_get(got, "error");
    CHECK(rc != PAYUP_OK && err, "%s: want an error, got %s", name, out ? out : "");
    const char *kind = mj_str(want_err, "kind");
    payup_result want_rc = !strcmp(kind, "declined")    ? PAYUP_DECLINED
                           : !strcmp(kind, "invalid")   ? PAYUP_INVALID
                           : !strcmp(kind, "not_sent")  ? PAYUP_NOT_SENT
                           : !strcmp(kind, "ambiguous") ? PAYUP_AMBIGUOUS
                                                        : PAYUP_CONFIG;
    CHECK(rc == want_rc, "%s: %s, want %s", name, payup_result_name(rc), payup_result_name(want_rc));
    for (size_t k = 0; err && k < want_err->count; k++)
      CHECK(mj_equal(mj_get(err, want_err->keys[k]), want_err->items[k]), "%s: error.%s in %s", name,
            want_err->keys[k], out);
  } else {
    CHECK(0, "%s: vector has neither expected nor error", name);
  }
  mj_free(got);
}

static void test_response_vectors(void) {
  mj *v = load_vectors("responses.json");
  mj *minimal = load_vectors("minimal_requests.json");
  mj *cases = mj_get(v, "cases");
  CHECK(cases && cases->count > 0, "response vectors present");
  for (size_t i = 0; cases && i < cases->count; i++) {
    mj *c = cases->items[i];
    const char *name = mj_str(c, "name"), *op = mj_str(c, "operation");
    char *request = sample_request(minimal, op);
    CHECK(request != NULL, "%s: no sample request for %s", name, op);
    if (!request) continue;
    mj *body = mj_get(c, "body");
    char *text = body->type == MJ_STR ? NULL : mj_dump(body);
    const char *bytes = text ? text : body->str;
    size_t len = text ? strlen(text) : body->len;
    char *out = NULL;
    payup_result rc =
        payup_parse_response(op, request, (uint16_t)mj_get(c, "status")->num, (const uint8_t *)bytes, len, &out);
    check_outcome(name, rc, out, c);
    payup_string_free(out);
    free(text);
    free(request);
  }
  mj_free(minimal);
  mj_free(v);
}

static void test_payple_result_vectors(void) {
  mj *v = load_vectors("payple_results.json");
  mj *cases = mj_get(v, "cases");
  CHECK(cases && cases->count > 0, "payple result vectors present");
  for (size_t i = 0; cases && i < cases->count; i++) {
    mj *c = cases->items[i];
    char *request = mj_dump(mj_get(c, "request"));
    char *out = NULL;
    payup_result rc = payup_pure("payple.result", request, &out);
    check_outcome(mj_str(c, "name"), rc, out, c);
    payup_string_free(out);
    free(request);
  }
  mj_free(v);
}

static void test_pure_errors(void) {
  char *out = NULL;
  payup_result rc = payup_pure("payup.keyin.approve", "{}", &out);
  CHECK(rc == PAYUP_INVALID, "a network operation is not pure: %s", payup_result_name(rc));
  payup_string_free(out);
  out = NULL;
  rc = payup_pure("payple.result", "{not json", &out);
  CHECK(rc == PAYUP_INVALID, "bad JSON: %s", payup_result_name(rc));
  check_error_doc("bad JSON", out, "invalid", NULL, NULL, "request_json");
  payup_string_free(out);
  out = NULL;
  rc = payup_operations(&out);
  CHECK(rc == PAYUP_OK && strstr(out, "\"payup.keyin.approve\"") && strstr(out, "\"kcp.keyin.approve\""),
        "operations: %s", out ? out : "");
  payup_string_free(out);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Against the sandbox.                                                                                    */

static char stamp[32];

static char *keyin_request(const char *order, const char *card, const char *pw, const char *birthday, long amount) {
  char *buf = (char *)malloc(1024);
  snprintf(buf, 1024,
           "{\"order_number\":\"%s\",\"card_no\":\"%s\",\"expire_month\":\"12\",\"expire_year\":\"30\","
           "\"birthday\":\"%s\",\"card_pw\":\"%s\",\"amount\":%ld,\"quota\":0,\"item_name\":\"C test\","
           "\"user_name\":\"Hong\"}",
           order, card, birthday, pw, amount);
  return buf;
}

/* Calls and returns the parsed result (the caller frees it); stores the code in *rc and the text in *text. */
static mj *call(const payup_client *client, const char *op, const char *request, payup_result *rc, char **text) {
  char *out = NULL;
  *rc = payup_client_call(client, op, request, &out);
  mj *doc = mj_parse(out);
  CHECK(out && doc, "%s: out is a JSON document", op);
  if (text) *text = out;
  else payup_string_free(out);
  return doc;
}

static void test_payup_keyin(const payup_client *client) {
  char order[64];
  snprintf(order, sizeof order, "C-K%s", stamp);
  char *req = keyin_request(order, "4111111111111111", "12", "890302", 1004);
  payup_result rc;
  mj *r = call(client, "payup.keyin.approve", req, &rc, NULL);
  free(req);
  CHECK(rc == PAYUP_OK, "payup approve: %s", payup_result_name(rc));
  const char *tx = mj_str(r, "transaction_id");
  CHECK(tx && *tx, "payup approve: transaction_id");
  CHECK(mj_get(r, "amount") && mj_get(r, "amount")->num == 1004, "payup approve: amount");
  CHECK(mj_str(r, "order_number") && !strcmp(mj_str(r, "order_number"), order), "payup approve: order number");
  if (tx) {
    char cancel[256];
    snprintf(cancel, sizeof cancel, "{\"transaction_id\":\"%s\"}", tx);
    mj *c = call(client, "payup.keyin.cancel", cancel, &rc, NULL);
    CHECK(rc == PAYUP_OK, "payup cancel: %s", payup_result_name(rc));
    CHECK(mj_str(c, "transaction_id") && !strcmp(mj_str(c, "transaction_id"), tx), "payup cancel: same tx");
    mj_free(c);
  }
  mj_free(r);

  /* A card the issuer declines. */
  snprintf(order, sizeof order, "C-D%s", stamp);
  req = keyin_request(order, "4000000000000002", "47", "731205", 1004);
  char *text = NULL;
  mj_free(call(client, "payup.keyin.approve", req, &rc, &text));
  free(req);
  CHECK(rc == PAYUP_DECLINED, "declined card: %s", payup_result_name(rc));
  check_error_doc("declined card", text, "declined", "9101", "payup", NULL);
  CHECK(!holds_canary(text), "declined error holds card data: %s", text);
  payup_string_free(text);

  /* Invalid requests: a Luhn-invalid card, then canaries with an amount of 0; nothing is sent. */
  snprintf(order, sizeof order, "C-I%s", stamp);
  req = keyin_request(order, "4111111111111112", "12", "890302", 1004);
  mj_free(call(client, "payup.keyin.approve", req, &rc, &text));
  free(req);
  CHECK(rc == PAYUP_INVALID, "luhn-invalid card: %s", payup_result_name(rc));
  check_error_doc("luhn-invalid card", text, "invalid", NULL, "payup", NULL); /* the gateway names it cardNo */
  CHECK(!strstr(text, "4111111111111112"), "invalid error holds the card number: %s", text);
  payup_string_free(text);

  req = keyin_request(order, "4556737586899855", "47", "731205", 0);
  mj_free(call(client, "payup.keyin.approve", req, &rc, &text));
  free(req);
  CHECK(rc == PAYUP_INVALID, "amount 0: %s", payup_result_name(rc));
  check_error_doc("amount 0", text, "invalid", NULL, NULL, "amount");
  CHECK(!holds_canary(text), "invalid error holds card data: %s", text);
  payup_string_free(text);

  mj_free(call(client, "payup.keyin.approve", "{\"order_number\": ", &rc, &text));
  CHECK(rc == PAYUP_INVALID, "request not JSON: %s", payup_result_name(rc));
  check_error_doc("request not JSON", text, "invalid", NULL, NULL, "request_json");
  payup_string_free(text);

  mj_free(call(client, "payup.keyin.refund", "{}", &rc, &text));
  CHECK(rc == PAYUP_INVALID, "unknown operation: %s", payup_result_name(rc));
  check_error_doc("unknown operation", text, "invalid", NULL, NULL, "operation");
  payup_string_free(text);
}

static int operation_exists(const char *name) {
  char *out = NULL;
  int found = 0;
  if (payup_operations(&out) == PAYUP_OK) {
    mj *doc = mj_parse(out);
    mj *ops = mj_get(doc, "operations");
    for (size_t i = 0; ops && i < ops->count; i++)
      if (!strcmp(mj_str(ops->items[i], "name"), name)) found = 1;
    mj_free(doc);
  }
  payup_string_free(out);
  return found;
}

static void test_kcp_keyin(const payup_client *client) {
  char req[1024];
  snprintf(req, sizeof req,
           "{\"ordr_idxx\":\"C-KCP%s\",\"good_name\":\"C test\",\"buyr_name\":\"Lee\",\"amount\":5000,\"quota\":0,"
           "\"card_no\":\"4111111111111111\",\"card_expiry\":\"3012\",\"card_taxno\":\"890302\",\"card_pwd\":\"12\"}",
           stamp);
  payup_result rc;
  mj *r = call(client, "kcp.keyin.approve", req, &rc, NULL);
  CHECK(rc == PAYUP_OK, "kcp approve: %s", payup_result_name(rc));
  const char *tno = mj_str(r, "tno");
  CHECK(tno && *tno, "kcp approve: tno");
  CHECK(mj_get(r, "amount") && mj_get(r, "amount")->num == 5000, "kcp approve: amount");
  CHECK(operation_exists("kcp.cancel"), "kcp.cancel is in the catalogue");
  if (tno) {
    /* A partial cancel, then the rest (RSA-signed with the sandbox's test key, from its client config). */
    char cancel[512];
    snprintf(cancel, sizeof cancel,
             "{\"tno\":\"%s\",\"mod_type\":\"STPC\",\"mod_desc\":\"C test\",\"mod_mny\":2000,\"rem_mny\":5000}", tno);
    mj *c = call(client, "kcp.cancel", cancel, &rc, NULL);
    CHECK(rc == PAYUP_OK, "kcp partial cancel: %s", payup_result_name(rc));
    CHECK(c && mj_get(c, "rem_mny") && mj_get(c, "rem_mny")->num == 3000, "kcp partial cancel: rem_mny");
    mj_free(c);
    snprintf(cancel, sizeof cancel, "{\"tno\":\"%s\",\"mod_type\":\"STSC\",\"mod_desc\":\"C test\"}", tno);
    c = call(client, "kcp.cancel", cancel, &rc, NULL);
    CHECK(rc == PAYUP_OK, "kcp cancel: %s", payup_result_name(rc));
    mj_free(c);
  }
  mj_free(r);

  /* A declined KCP card. */
  snprintf(req, sizeof req,
           "{\"ordr_idxx\":\"C-KCPD%s\",\"good_name\":\"C test\",\"buyr_name\":\"Lee\",\"amount\":5000,"
           "\"card_no\":\"4000000000000002\",\"card_expiry\":\"3012\"}",
           stamp);
  char *text = NULL;
  mj_free(call(client, "kcp.keyin.approve", req, &rc, &text));
  CHECK(rc == PAYUP_DECLINED, "kcp declined: %s", payup_result_name(rc));
  check_error_doc("kcp declined", text, "declined", NULL, "kcp", NULL);
  payup_string_free(text);
}

static void test_config_errors(const char *base) {
  payup_client *client = (payup_client *)0x1;
  char *err = NULL;
  payup_result rc = payup_client_new("{\"payup\": ", &client, &err);
  CHECK(rc == PAYUP_CONFIG, "config not JSON: %s", payup_result_name(rc));
  CHECK(client == (payup_client *)0x1, "out_client untouched on error");
  check_error_doc("config not JSON", err, "config", NULL, NULL, NULL);
  payup_string_free(err);

  /* A key that must never be echoed, with plain http to a non-loopback host. */
  err = NULL;
  rc = payup_client_new(
      "{\"payup\": {\"merchant_id\": \"tester\", \"api_cert_key\": \"CANARYKEY0123456789abcdef\", "
      "\"base_url\": \"http://pay.example.com\"}}",
      &client, &err);
  CHECK(rc == PAYUP_CONFIG, "http to a non-loopback host: %s", payup_result_name(rc));
  check_error_doc("http base_url", err, "config", NULL, NULL, NULL);
  CHECK(!holds_canary(err), "config error holds the key: %s", err);
  payup_string_free(err);

  /* out_error_json may be NULL. */
  rc = payup_client_new("[]", &client, NULL);
  CHECK(rc == PAYUP_CONFIG, "config without out_error_json: %s", payup_result_name(rc));

  /* A client without a kcp section: kcp operations are config errors. */
  char cfg[1024];
  snprintf(cfg, sizeof cfg,
           "{\"payup\": {\"merchant_id\": \"tester\", \"api_cert_key\": \"CANARYKEY0123456789abcdef\", "
           "\"base_url\": \"%s\"}}",
           base);
  client = NULL;
  rc = payup_client_new(cfg, &client, NULL);
  CHECK(rc == PAYUP_OK && client, "payup-only client: %s", payup_result_name(rc));
  char *out = NULL;
  rc = payup_client_call(client, "kcp.keyin.approve",
                         "{\"ordr_idxx\":\"T1\",\"good_name\":\"g\",\"buyr_name\":\"b\",\"amount\":1000,"
                         "\"card_no\":\"4556737586899855\",\"card_expiry\":\"2607\"}",
                         &out);
  CHECK(rc == PAYUP_CONFIG, "missing kcp section: %s", payup_result_name(rc));
  check_error_doc("missing kcp section", out, "config", NULL, NULL, NULL);
  CHECK(!holds_canary(out), "config error holds data: %s", out);
  payup_string_free(out);

  /* The sandbox refuses a wrong key: the gateway's own configuration code (Payup 2001). */
  out = NULL;
  char *req = keyin_request("C-WRONGKEY", "4556737586899855", "47", "731205", 1004);
  rc = payup_client_call(client, "payup.keyin.approve", req, &out);
  free(req);
  CHECK(rc == PAYUP_CONFIG, "wrong key: %s %s", payup_result_name(rc), out ? out : "");
  CHECK(!holds_canary(out), "wrong-key error holds data: %s", out);
  payup_string_free(out);
  payup_client_free(client);
}

static void test_not_sent(void) {
  /* Port 1 on loopback: the connection is refused before any byte leaves. */
  payup_client *client = NULL;
  payup_result rc = payup_client_new(
      "{\"timeouts\": {\"connect_ms\": 2000, \"read_ms\": 5000}, \"payup\": {\"merchant_id\": \"tester\", "
      "\"api_cert_key\": \"25bcd7a82f5b4058818462cc7715964c\", \"base_url\": \"http://127.0.0.1:1\"}}",
      &client, NULL);
  CHECK(rc == PAYUP_OK, "client to a closed port: %s", payup_result_name(rc));
  char *req = keyin_request("C-NS", "4111111111111111", "12", "890302", 1004), *out = NULL;
  rc = payup_client_call(client, "payup.keyin.approve", req, &out);
  free(req);
  CHECK(rc == PAYUP_NOT_SENT, "refused connection: %s %s", payup_result_name(rc), out ? out : "");
  check_error_doc("refused connection", out, "not_sent", NULL, "payup", NULL);
  payup_string_free(out);
  payup_client_free(client);
}

static void test_ambiguous(const payup_sandbox *sandbox, const payup_client *client) {
  CHECK(payup_sandbox_arm_fault(sandbox, "payup.keyin.approve", "drop_after_commit", -1, 1) == PAYUP_OK, "arm");
  CHECK(payup_sandbox_arm_fault(sandbox, "payup.keyin.approve", "no_such_fault", -1, 1) == PAYUP_INVALID,
        "unknown fault");
  char order[64];
  snprintf(order, sizeof order, "C-A%s", stamp);
  char *req = keyin_request(order, "4111111111111111", "12", "890302", 1004), *out = NULL;
  payup_result rc = payup_client_call(client, "payup.keyin.approve", req, &out);
  free(req);
  CHECK(rc == PAYUP_AMBIGUOUS, "dropped after commit: %s %s", payup_result_name(rc), out ? out : "");
  check_error_doc("dropped after commit", out, "ambiguous", NULL, "payup", NULL);
  mj *doc = mj_parse(out);
  mj *amb = mj_get(mj_get(doc, "error"), "ambiguous");
  CHECK(amb && mj_str(amb, "order_number") && !strcmp(mj_str(amb, "order_number"), order),
        "ambiguous carries the order number: %s", out ? out : "");
  CHECK(amb && mj_get(amb, "amount") && mj_get(amb, "amount")->num == 1004, "ambiguous carries the amount");
  mj_free(doc);
  payup_string_free(out);
  CHECK(payup_sandbox_reset(sandbox) == PAYUP_OK, "reset");
}

/* Exchange events (issue 20): the callback gets one JSON event per exchange on the calling thread. */
typedef struct {
  int count;
  char *events[8];
  pthread_t thread;
  int other_thread;
} event_log;

static void on_event(const char *event_json, void *user_data) {
  event_log *log = (event_log *)user_data;
  if (!pthread_equal(log->thread, pthread_self())) log->other_thread = 1;
  if (log->count < 8) log->events[log->count] = strdup(event_json);
  log->count++;
}

static void event_log_clear(event_log *log) {
  for (int i = 0; i < log->count && i < 8; i++) free(log->events[i]);
  log->count = 0;
  log->other_thread = 0;
}

/* One call; checks exactly one event came, with this status (-1: null) and outcome kind, and no canary. */
static void expect_one_event(event_log *log, const char *what, double status, const char *kind) {
  CHECK(log->count == 1, "%s: %d events", what, log->count);
  CHECK(!log->other_thread, "%s: the callback ran on the calling thread", what);
  if (log->count < 1) return;
  mj *e = mj_parse(log->events[0]);
  CHECK(e, "%s: the event is JSON", what);
  mj *st = mj_get(e, "status");
  if (status < 0) CHECK(st && st->type == MJ_NULL, "%s: status null: %s", what, log->events[0]);
  else CHECK(st && st->num == status, "%s: status %g: %s", what, status, log->events[0]);
  const char *k = mj_str(mj_get(e, "outcome"), "kind");
  CHECK(k && !strcmp(k, kind), "%s: outcome %s: %s", what, kind, log->events[0]);
  CHECK(mj_str(e, "operation") && !strcmp(mj_str(e, "operation"), "payup.keyin.approve"), "%s: operation", what);
  CHECK(mj_get(e, "duration_ms") && mj_get(e, "request_body"), "%s: duration_ms, request_body", what);
  CHECK(!holds_canary(log->events[0]), "%s: the event holds no card data: %s", what, log->events[0]);
  mj_free(e);
  event_log_clear(log);
}

static void test_events(const payup_sandbox *sandbox, const char *config) {
  payup_client *client = NULL;
  CHECK(payup_client_new(config, &client, NULL) == PAYUP_OK, "events: client");
  event_log log = {0};
  log.thread = pthread_self();
  CHECK(payup_client_set_event_callback(NULL, on_event, &log) == PAYUP_NULL_ARGUMENT, "set callback(NULL client)");
  CHECK(payup_client_set_event_callback(client, on_event, &log) == PAYUP_OK, "set callback");
  char order[64], *out = NULL, *req;
  payup_result rc;

  snprintf(order, sizeof order, "C-E1%s", stamp);
  req = keyin_request(order, "4556737586899855", "47", "731205", 1004);
  rc = payup_client_call(client, "payup.keyin.approve", req, &out);
  free(req);
  payup_string_free(out);
  CHECK(rc == PAYUP_OK, "events: approve %s", payup_result_name(rc));
  if (log.count == 1) {
    mj *e = mj_parse(log.events[0]);
    const char *card = mj_str(mj_get(e, "request_body"), "cardNo");
    CHECK(card && !strcmp(card, "455673******9855"), "events: card masked 6+4: %s", card ? card : "(null)");
    mj_free(e);
  }
  expect_one_event(&log, "success", 200, "success");

  snprintf(order, sizeof order, "C-E2%s", stamp);
  req = keyin_request(order, "4556737586070002", "47", "731205", 1004);
  rc = payup_client_call(client, "payup.keyin.approve", req, &out);
  free(req);
  payup_string_free(out);
  CHECK(rc == PAYUP_DECLINED, "events: decline %s", payup_result_name(rc));
  expect_one_event(&log, "decline", 200, "declined");

  req = keyin_request("C-E3", "4556737586899855", "47", "731205", 0);
  rc = payup_client_call(client, "payup.keyin.approve", req, &out);
  free(req);
  payup_string_free(out);
  CHECK(rc == PAYUP_INVALID && log.count == 0, "events: invalid sends nothing, no event (%d)", log.count);

  CHECK(payup_sandbox_arm_fault(sandbox, "payup.keyin.approve", "drop_after_commit", -1, 1) == PAYUP_OK, "arm");
  snprintf(order, sizeof order, "C-E4%s", stamp);
  req = keyin_request(order, "4556737586899855", "47", "731205", 1004);
  rc = payup_client_call(client, "payup.keyin.approve", req, &out);
  free(req);
  payup_string_free(out);
  CHECK(rc == PAYUP_AMBIGUOUS, "events: ambiguous %s", payup_result_name(rc));
  expect_one_event(&log, "ambiguous", -1, "ambiguous");

  CHECK(payup_client_set_event_callback(client, NULL, NULL) == PAYUP_OK, "remove callback");
  snprintf(order, sizeof order, "C-E5%s", stamp);
  req = keyin_request(order, "4111111111111111", "12", "890302", 1004);
  rc = payup_client_call(client, "payup.keyin.approve", req, &out);
  free(req);
  payup_string_free(out);
  CHECK(rc == PAYUP_OK && log.count == 0, "no callback, no event");
  payup_client_free(client);

  CHECK(payup_client_new(
            "{\"payup\": {\"merchant_id\": \"tester\", \"api_cert_key\": \"25bcd7a82f5b4058818462cc7715964c\", "
            "\"base_url\": \"http://127.0.0.1:1\"}}",
            &client, NULL) == PAYUP_OK,
        "events: client to a closed port");
  CHECK(payup_client_set_event_callback(client, on_event, &log) == PAYUP_OK, "set callback");
  req = keyin_request("C-E6", "4556737586899855", "47", "731205", 1004);
  rc = payup_client_call(client, "payup.keyin.approve", req, &out);
  free(req);
  payup_string_free(out);
  CHECK(rc == PAYUP_NOT_SENT, "events: not_sent %s", payup_result_name(rc));
  expect_one_event(&log, "not_sent", -1, "not_sent");
  payup_client_free(client);
  CHECK(payup_sandbox_reset(sandbox) == PAYUP_OK, "reset");
}

/* Per-call options (issue 20): a timeout shorter than a delayed answer is ambiguous for that call only. */
static void test_call_options(const payup_sandbox *sandbox, const payup_client *client) {
  char order[64];
  snprintf(order, sizeof order, "C-O%s", stamp);
  char *req = keyin_request(order, "4111111111111111", "12", "890302", 1004), *out = NULL;
  CHECK(payup_sandbox_arm_fault(sandbox, "payup.keyin.approve", "delay", 1500, 1) == PAYUP_OK, "arm delay");
  payup_result rc = payup_client_call_with_options(client, "payup.keyin.approve", req, "{\"timeout_ms\": 300}", &out);
  CHECK(rc == PAYUP_AMBIGUOUS, "timeout_ms 300 against a 1.5 s delay: %s %s", payup_result_name(rc), out ? out : "");
  payup_string_free(out);
  out = NULL;
  /* NULL options: the configuration's timeout, which the next delay fits in. */
  snprintf(order, sizeof order, "C-O2%s", stamp);
  free(req);
  req = keyin_request(order, "4111111111111111", "12", "890302", 1004);
  CHECK(payup_sandbox_arm_fault(sandbox, "payup.keyin.approve", "delay", 500, 1) == PAYUP_OK, "arm delay");
  rc = payup_client_call_with_options(client, "payup.keyin.approve", req, NULL, &out);
  CHECK(rc == PAYUP_OK, "no options: %s %s", payup_result_name(rc), out ? out : "");
  payup_string_free(out);
  out = NULL;
  rc = payup_client_call_with_options(client, "payup.keyin.approve", req, "{\"timeout_ms\": 0}", &out);
  CHECK(rc == PAYUP_INVALID, "timeout_ms 0: %s", payup_result_name(rc));
  check_error_doc("timeout_ms 0", out, "invalid", NULL, NULL, "timeout_ms");
  payup_string_free(out);
  out = NULL;
  rc = payup_client_call_with_options(client, "payup.keyin.approve", req, "{\"order_number\": \"x\"}", &out);
  CHECK(rc == PAYUP_INVALID, "a request field is not an option: %s", payup_result_name(rc));
  payup_string_free(out);
  out = NULL;
  /* A request that is not JSON is reported before bad options (the text path keeps the order). */
  rc = payup_client_call_with_options(client, "payup.keyin.approve", "{\"order_number\": ", "{\"timeout_ms\": 0}", &out);
  CHECK(rc == PAYUP_INVALID, "bad request and bad options: %s", payup_result_name(rc));
  check_error_doc("bad request and bad options", out, "invalid", NULL, NULL, "request_json");
  payup_string_free(out);
  out = NULL;
  /* A field of another type leaves the text path: the general reader names it, as before. */
  rc = payup_client_call_with_options(client, "payup.keyin.approve",
    "{\"order_number\": \"T-1\", \"card_no\": \"4111111111111111\", \"expire_month\": \"12\", "
    "\"expire_year\": \"30\", \"birthday\": \"890302\", \"card_pw\": \"12\", \"amount\": \"1004\", "
    "\"item_name\": \"x\", \"user_name\": \"y\"}", NULL, &out);
  CHECK(rc == PAYUP_INVALID, "amount as a string: %s", payup_result_name(rc));
  check_error_doc("amount as a string", out, "invalid", NULL, NULL, "amount");
  payup_string_free(out);
  free(req);
  CHECK(payup_sandbox_reset(sandbox) == PAYUP_OK, "reset");
}

/* The payment journal: a lost answer holds the order (IN_FLIGHT with journal_id, nothing sent) and
 * payup_client_recover reports it unresolved (Payup keyin has no query API). */
static void test_journal(const payup_sandbox *sandbox, const char *base_config) {
  char path[128];
  snprintf(path, sizeof path, "/tmp/payup-c-journal-%ld.db", (long)getpid());
  unlink(path);
  size_t n = strlen(base_config);
  char *config = (char *)malloc(n + 256);
  memcpy(config, base_config, n);
  while (n > 0 && config[n - 1] != '}') n--;
  snprintf(config + n - 1, 256, ",\"journal\":{\"sqlite\":\"%s\"}}", path);
  payup_client *client = NULL;
  char *err = NULL;
  payup_result rc = payup_client_new(config, &client, &err);
  CHECK(rc == PAYUP_OK && client, "journal client: %s %s", payup_result_name(rc), err ? err : "");
  payup_string_free(err);
  free(config);
  if (!client) return;
  CHECK(payup_sandbox_arm_fault(sandbox, "payup.keyin.approve", "drop_after_commit", -1, 1) == PAYUP_OK, "arm");
  char order[64];
  snprintf(order, sizeof order, "C-J%s", stamp);
  char *req = keyin_request(order, "4556737586899855", "47", "731205", 1000);
  char *out = NULL;
  rc = payup_client_call(client, "payup.keyin.approve", req, &out);
  CHECK(rc == PAYUP_AMBIGUOUS, "journaled drop: %s", payup_result_name(rc));
  mj *doc = mj_parse(out);
  mj *id = mj_get(mj_get(doc, "error"), "journal_id");
  CHECK(id != NULL, "the ambiguous error names its journal entry: %s", out ? out : "");
  double journal_id = id ? id->num : -1;
  mj_free(doc);
  payup_string_free(out);
  rc = payup_client_call(client, "payup.keyin.approve", req, &out);
  CHECK(rc == PAYUP_AMBIGUOUS, "in flight: %s", payup_result_name(rc));
  check_error_doc("in flight", out, "ambiguous", "IN_FLIGHT", "payup", NULL);
  CHECK(!holds_canary(out), "IN_FLIGHT holds card data: %s", out);
  payup_string_free(out);
  free(req);
  rc = payup_client_recover(client, &out);
  CHECK(rc == PAYUP_OK, "recover: %s %s", payup_result_name(rc), out ? out : "");
  doc = mj_parse(out);
  mj *unresolved = mj_get(doc, "unresolved");
  mj *first = unresolved && unresolved->count > 0 ? unresolved->items[0] : NULL;
  CHECK(first && mj_get(first, "id") && mj_get(first, "id")->num == journal_id, "recover: unresolved %s",
        out ? out : "");
  mj_free(doc);
  payup_string_free(out);
  CHECK(payup_client_recover(client, NULL) == PAYUP_NULL_ARGUMENT, "recover NULL out");
  payup_client_free(client);
  unlink(path);
  CHECK(payup_sandbox_reset(sandbox) == PAYUP_OK, "reset");
}

#define THREADS 6
#define PER_THREAD 4

typedef struct {
  const payup_client *client;
  int index;
  int ok;
  char tx[PER_THREAD][64];
} worker;

static void *work(void *arg) {
  worker *w = (worker *)arg;
  for (int i = 0; i < PER_THREAD; i++) {
    char order[64];
    snprintf(order, sizeof order, "C-T%s-%d-%d", stamp, w->index, i);
    char *req = keyin_request(order, "4111111111111111", "12", "890302", 1000 + w->index), *out = NULL;
    payup_result rc = payup_client_call(w->client, "payup.keyin.approve", req, &out);
    free(req);
    mj *doc = mj_parse(out);
    const char *tx = mj_str(doc, "transaction_id");
    if (rc == PAYUP_OK && tx && mj_get(doc, "amount")->num == 1000 + w->index) {
      w->ok++;
      snprintf(w->tx[i], sizeof w->tx[i], "%s", tx);
    }
    mj_free(doc);
    payup_string_free(out);
  }
  return NULL;
}

static void test_threads(const payup_sandbox *sandbox, const payup_client *client) {
  pthread_t threads[THREADS];
  worker workers[THREADS];
  memset(workers, 0, sizeof workers);
  for (int t = 0; t < THREADS; t++) {
    workers[t].client = client;
    workers[t].index = t;
    CHECK(pthread_create(&threads[t], NULL, work, &workers[t]) == 0, "pthread_create");
  }
  for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
  int ok = 0, distinct = 1;
  for (int t = 0; t < THREADS; t++) {
    ok += workers[t].ok;
    for (int i = 0; i < PER_THREAD; i++)
      for (int u = 0; u < THREADS; u++)
        for (int j = 0; j < PER_THREAD; j++)
          if ((u != t || j != i) && workers[t].tx[i][0] && !strcmp(workers[t].tx[i], workers[u].tx[j])) distinct = 0;
  }
  CHECK(ok == THREADS * PER_THREAD, "%d of %d concurrent approvals succeeded", ok, THREADS * PER_THREAD);
  CHECK(distinct, "concurrent approvals have distinct transaction ids");

  /* The ledger saw every one of them. */
  char *out = NULL;
  CHECK(payup_sandbox_transactions(sandbox, &out) == PAYUP_OK, "transactions");
  mj *doc = mj_parse(out);
  mj *txs = mj_get(doc, "transactions");
  size_t mine = 0;
  char prefix[48];
  snprintf(prefix, sizeof prefix, "C-T%s-", stamp);
  for (size_t i = 0; txs && i < txs->count; i++) {
    mj *t = txs->items[i];
    for (size_t k = 0; k < t->count; k++)
      if (t->items[k]->type == MJ_STR && !strncmp(t->items[k]->str, prefix, strlen(prefix))) {
        mine++;
        break;
      }
  }
  CHECK(mine == THREADS * PER_THREAD, "ledger holds %zu of the %d concurrent approvals", mine, THREADS * PER_THREAD);
  CHECK(!holds_canary(out), "ledger holds card data");
  mj_free(doc);
  payup_string_free(out);
}

/* A client used before fork(): each child must open connections of its own (issue 14). Children make
 * FORK_EACH approvals with amounts no other child uses, check every answer is for their own order and amount,
 * and report the number of wrong or failed calls through a pipe (not the exit status: valgrind turns a child's
 * exit status into its own error code, and the threads of the parent's sandbox look "possibly lost" in a child
 * that never had them); the parent then checks that the ledger holds exactly
 * these approvals, every one still approved (a crossed answer used to cancel other buyers' payments). */
#define FORK_CHILDREN 4
#define FORK_EACH 100

static void test_fork(const payup_sandbox *sandbox, const payup_client *client) {
  char order[64];
  snprintf(order, sizeof order, "C-FP%s", stamp);
  char *req = keyin_request(order, "4111111111111111", "12", "890302", 900);
  payup_result rc;
  mj *r = call(client, "payup.keyin.approve", req, &rc, NULL); /* the pool now holds a connection */
  free(req);
  mj_free(r);
  CHECK(rc == PAYUP_OK, "approval before fork: %s", payup_result_name(rc));
  fflush(stdout);
  fflush(stderr);
  pid_t pids[FORK_CHILDREN];
  int pipes[FORK_CHILDREN][2];
  for (int c = 0; c < FORK_CHILDREN; c++) {
    CHECK(pipe(pipes[c]) == 0, "pipe");
    pids[c] = fork();
    if (pids[c] == 0) {
      close(pipes[c][0]);
      int bad = 0;
      for (int i = 0; i < FORK_EACH; i++) {
        char o[64];
        long amount = 1000 + c * 1000 + i;
        snprintf(o, sizeof o, "C-F%s-%d-%d", stamp, c, i);
        char *q = keyin_request(o, "4111111111111111", "12", "890302", amount), *out = NULL;
        payup_result crc = payup_client_call(client, "payup.keyin.approve", q, &out);
        free(q);
        mj *doc = mj_parse(out);
        const char *answered = mj_str(doc, "order_number");
        mj *a = mj_get(doc, "amount");
        if (crc != PAYUP_OK || !answered || strcmp(answered, o) || !a || a->num != amount) {
          if (bad++ < 3) fprintf(stderr, "child %d: %s: %s\n", c, o, out ? out : "(null)");
        }
        mj_free(doc);
        payup_string_free(out);
      }
      char report[32];
      int n = snprintf(report, sizeof report, "%d", bad);
      if (write(pipes[c][1], report, (size_t)n) != n) bad++;
      _exit(0);
    }
    close(pipes[c][1]);
    CHECK(pids[c] > 0, "fork");
  }
  for (int c = 0; c < FORK_CHILDREN; c++) {
    char report[32] = {0};
    ssize_t n = pids[c] > 0 ? read(pipes[c][0], report, sizeof report - 1) : -1;
    close(pipes[c][0]);
    if (pids[c] > 0) waitpid(pids[c], NULL, 0);
    CHECK(n > 0 && !strcmp(report, "0"), "child %d: %s wrong or failed approvals", c, n > 0 ? report : "(no report)");
  }
  char *out = NULL;
  CHECK(payup_sandbox_transactions(sandbox, &out) == PAYUP_OK, "transactions");
  mj *doc = mj_parse(out);
  mj *txs = mj_get(doc, "transactions");
  char prefix[48];
  snprintf(prefix, sizeof prefix, "C-F%s-", stamp);
  size_t mine = 0, approved = 0;
  for (size_t i = 0; txs && i < txs->count; i++) {
    const char *o = mj_str(txs->items[i], "order_number"), *status = mj_str(txs->items[i], "status");
    if (o && (!strncmp(o, prefix, strlen(prefix)) || !strcmp(o, order))) {
      mine++;
      if (status && !strcmp(status, "approved")) approved++;
    }
  }
  CHECK(mine == FORK_CHILDREN * FORK_EACH + 1, "ledger holds %zu of the %d approvals", mine, FORK_CHILDREN * FORK_EACH + 1);
  CHECK(approved == mine, "%zu of %zu approvals still approved", approved, mine);
  mj_free(doc);
  payup_string_free(out);
  /* The parent's client still works after its children used their copies. */
  snprintf(order, sizeof order, "C-FQ%s", stamp);
  req = keyin_request(order, "4111111111111111", "12", "890302", 901);
  r = call(client, "payup.keyin.approve", req, &rc, NULL);
  free(req);
  mj_free(r);
  CHECK(rc == PAYUP_OK, "approval after fork: %s", payup_result_name(rc));
}

static void test_clock(const payup_sandbox *sandbox) {
  char *out = NULL;
  CHECK(payup_sandbox_set_clock(sandbox, "2026-05-31T23:59:50+09:00", &out) == PAYUP_OK, "set_clock");
  mj *doc = mj_parse(out);
  CHECK(doc && mj_str(doc, "now") && !strcmp(mj_str(doc, "now"), "2026-05-31T23:59:50+09:00"), "set_clock now: %s", out);
  mj_free(doc);
  payup_string_free(out);
  CHECK(payup_sandbox_advance_clock(sandbox, 20, &out) == PAYUP_OK, "advance_clock");
  doc = mj_parse(out);
  CHECK(doc && mj_str(doc, "now") && !strncmp(mj_str(doc, "now"), "2026-06-01T00:00:", 17), "advance_clock now: %s", out);
  mj_free(doc);
  payup_string_free(out);
  CHECK(payup_sandbox_set_clock(sandbox, "tomorrow", &out) == PAYUP_INVALID && strstr(out, "rfc3339"),
        "set_clock refuses a non-RFC 3339 time: %s", out);
  payup_string_free(out);
  CHECK(payup_sandbox_advance_clock(NULL, 1, &out) == PAYUP_NULL_ARGUMENT, "advance_clock(NULL)");
  CHECK(payup_sandbox_reset(sandbox) == PAYUP_OK, "reset");
}

static void test_null_arguments(const payup_sandbox *sandbox, const payup_client *client) {
  char *const SENTINEL = (char *)0x5a5a;
  char *out = SENTINEL;
  payup_client *c = (payup_client *)0x1;
  CHECK(payup_client_new(NULL, &c, &out) == PAYUP_NULL_ARGUMENT && c == (payup_client *)0x1 && out == SENTINEL,
        "client_new(NULL config)");
  CHECK(payup_client_new("{}", NULL, &out) == PAYUP_NULL_ARGUMENT && out == SENTINEL, "client_new(NULL out)");
  CHECK(payup_client_call(NULL, "payup.keyin.cancel", "{}", &out) == PAYUP_NULL_ARGUMENT && out == SENTINEL,
        "call(NULL client)");
  CHECK(payup_client_call(client, NULL, "{}", &out) == PAYUP_NULL_ARGUMENT && out == SENTINEL, "call(NULL op)");
  CHECK(payup_client_call(client, "payup.keyin.cancel", NULL, &out) == PAYUP_NULL_ARGUMENT && out == SENTINEL,
        "call(NULL request)");
  CHECK(payup_client_call(client, "payup.keyin.cancel", "{}", NULL) == PAYUP_NULL_ARGUMENT, "call(NULL out)");
  CHECK(payup_sandbox_start(NULL, NULL) == PAYUP_NULL_ARGUMENT, "sandbox_start(NULL out)");
  CHECK(payup_sandbox_base_url(NULL) == NULL, "base_url(NULL)");
  CHECK(payup_sandbox_client_config(NULL, &out) == PAYUP_NULL_ARGUMENT && out == SENTINEL, "client_config(NULL)");
  CHECK(payup_sandbox_transactions(sandbox, NULL) == PAYUP_NULL_ARGUMENT, "transactions(NULL out)");
  CHECK(payup_sandbox_arm_fault(NULL, "payup.keyin.approve", "http_500", -1, 1) == PAYUP_NULL_ARGUMENT,
        "arm_fault(NULL)");
  CHECK(payup_sandbox_reset(NULL) == PAYUP_NULL_ARGUMENT, "reset(NULL)");
  CHECK(payup_sign_approval("m", NULL, 1, "k", "t", &out) == PAYUP_NULL_ARGUMENT && out == SENTINEL,
        "sign_approval(NULL)");
  CHECK(payup_sign_cancel("m", "t", "k", NULL) == PAYUP_NULL_ARGUMENT, "sign_cancel(NULL out)");
  CHECK(payup_prepare(NULL, "payple.auth", "{}", 0, NULL, &out) == PAYUP_NULL_ARGUMENT && out == SENTINEL,
        "prepare(NULL)");
  CHECK(payup_parse_response("payple.auth", "{}", 200, NULL, 3, &out) == PAYUP_NULL_ARGUMENT && out == SENTINEL,
        "parse_response(NULL body, len 3)");
  CHECK(payup_pure("payple.result", NULL, &out) == PAYUP_NULL_ARGUMENT && out == SENTINEL, "pure(NULL)");
  CHECK(payup_operations(NULL) == PAYUP_NULL_ARGUMENT, "operations(NULL)");
  payup_string_free(NULL);
  payup_client_free(NULL);
  payup_sandbox_free(NULL);
  passed++; /* the three frees of NULL returned */

  /* An empty body with a NULL pointer is allowed: it is an unparseable answer (ambiguous), not a crash. */
  out = NULL;
  payup_result rc = payup_parse_response("payup.keyin.cancel", "{\"transaction_id\":\"20180205152504ST0009\"}", 200,
                                         NULL, 0, &out);
  CHECK(rc == PAYUP_AMBIGUOUS, "empty body: %s", payup_result_name(rc));
  payup_string_free(out);
}

/* Hostile input through the C ABI: invalid UTF-8, a huge document and a deeply nested one are refused as
   invalid, with no crash and (under valgrind) no leak. */
static void test_hostile_input(const payup_client *client) {
  char *out = NULL;
  payup_result rc = payup_client_call(client, "payup.keyin.approve", "{\"order_number\": \"\xff\xfe\"}", &out);
  CHECK(rc == PAYUP_INVALID, "invalid UTF-8 request: %s", payup_result_name(rc));
  payup_string_free(out);
  out = NULL;
  rc = payup_client_call(client, "payup.keyin.\xc3\x28", "{}", &out);
  CHECK(rc == PAYUP_INVALID, "invalid UTF-8 operation: %s", payup_result_name(rc));
  payup_string_free(out);

  size_t n = 8u << 20; /* 8 MiB of one string value */
  char *huge = malloc(n + 64);
  strcpy(huge, "{\"order_number\": \"");
  size_t at = strlen(huge);
  memset(huge + at, 'A', n);
  strcpy(huge + at + n, "\"}");
  out = NULL;
  rc = payup_client_call(client, "payup.keyin.approve", huge, &out);
  CHECK(rc == PAYUP_INVALID, "huge request: %s", payup_result_name(rc));
  CHECK(out && strlen(out) < 4096, "huge request: the error does not echo the input");
  payup_string_free(out);
  free(huge);

  size_t depth = 100000;
  char *deep = malloc(2 * depth + 1);
  memset(deep, '[', depth);
  memset(deep + depth, ']', depth);
  deep[2 * depth] = 0;
  out = NULL;
  rc = payup_client_call(client, "payup.keyin.approve", deep, &out);
  CHECK(rc == PAYUP_INVALID, "deeply nested request: %s", payup_result_name(rc));
  payup_string_free(out);
  out = NULL;
  rc = payup_client_new(deep, (payup_client **)&deep[0] /* never written on error */, &out);
  CHECK(rc == PAYUP_CONFIG, "deeply nested config: %s", payup_result_name(rc));
  payup_string_free(out);
  free(deep);
}

int main(int argc, char **argv) {
  snprintf(vectors_dir, sizeof vectors_dir, "%s", argc > 1 ? argv[1] : "tests/vectors");
  snprintf(stamp, sizeof stamp, "%ld", (long)time(NULL) % 100000000L);

  test_version();
  test_operations_schema();
  test_signature_vectors();
  test_request_vectors();
  test_response_vectors();
  test_payple_result_vectors();
  test_pure_errors();

  payup_sandbox *sandbox = NULL;
  payup_result rc = payup_sandbox_start(NULL, &sandbox);
  CHECK(rc == PAYUP_OK && sandbox, "sandbox start: %s", payup_result_name(rc));
  if (!sandbox) goto done;
  payup_sandbox *other = (payup_sandbox *)0x1;
  CHECK(payup_sandbox_start("{\"payup\": 3}", &other) == PAYUP_CONFIG && other == (payup_sandbox *)0x1,
        "bad sandbox config");
  const char *base = payup_sandbox_base_url(sandbox);
  CHECK(base && !strncmp(base, "http://127.0.0.1:", 17), "base url %s", base ? base : "(null)");

  char *config = NULL;
  CHECK(payup_sandbox_client_config(sandbox, &config) == PAYUP_OK, "client config");
  payup_client *client = NULL;
  char *err = NULL;
  rc = payup_client_new(config, &client, &err);
  CHECK(rc == PAYUP_OK && client, "client: %s %s", payup_result_name(rc), err ? err : "");
  if (client) test_events(sandbox, config);
  payup_string_free(err);
  test_journal(sandbox, config);
  payup_string_free(config);
  {
    /* Without a journal, recover is a configuration error. */
    char *out = NULL;
    CHECK(client && payup_client_recover(client, &out) == PAYUP_CONFIG, "recover without a journal");
    payup_string_free(out);
  }

  if (client) {
    test_payup_keyin(client);
    test_kcp_keyin(client);
    test_ambiguous(sandbox, client);
    test_call_options(sandbox, client);
    test_threads(sandbox, client);
    test_fork(sandbox, client);
    test_null_arguments(sandbox, client);
    test_hostile_input(client);
    test_clock(sandbox);
  }
  test_config_errors(base);
  test_not_sent();

  payup_client_free(client);
  payup_sandbox_free(sandbox);
done:
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
