/*
 * A card payment from C with libpayup: approve 1,004 KRW with Payup card keyin, then cancel it.
 *
 *   checkout [CONFIG_FILE]
 *
 * With CONFIG_FILE (the configuration document of the README) it talks to the gateways that file names;
 * without it, it starts the embedded sandbox and uses that. Build: see the README, section "C and PHP".
 */
#include <payup.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) n = 0;
  if (buf) buf[n] = 0;
  fclose(f);
  return buf;
}

/* Pulls the string value of "key" out of a flat JSON result (enough for this example; use a JSON library). */
static int json_string(const char *json, const char *key, char *out, size_t size) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  const char *p = strstr(json, pattern);
  if (!p) return 0;
  p += strlen(pattern);
  size_t n = strcspn(p, "\"");
  if (n >= size) return 0;
  memcpy(out, p, n);
  out[n] = 0;
  return 1;
}

int main(int argc, char **argv) {
  printf("libpayup %s\n", payup_version());

  payup_sandbox *sandbox = NULL;
  char *config = NULL;
  if (argc > 1) {
    config = read_file(argv[1]);
    if (!config) {
      fprintf(stderr, "cannot read %s\n", argv[1]);
      return 2;
    }
  } else {
    if (payup_sandbox_start(NULL, &sandbox) != PAYUP_OK) {
      fprintf(stderr, "cannot start the sandbox\n");
      return 2;
    }
    printf("sandbox at %s\n", payup_sandbox_base_url(sandbox));
    char *sandbox_config = NULL;
    payup_sandbox_client_config(sandbox, &sandbox_config);
    config = strdup(sandbox_config);
    payup_string_free(sandbox_config);
  }

  payup_client *client = NULL;
  char *error = NULL;
  payup_result rc = payup_client_new(config, &client, &error);
  free(config);
  if (rc != PAYUP_OK) {
    fprintf(stderr, "configuration: %s %s\n", payup_result_name(rc), error ? error : "");
    payup_string_free(error);
    payup_sandbox_free(sandbox);
    return 2;
  }

  char request[512];
  snprintf(request, sizeof request,
           "{\"order_number\": \"C-%ld\", \"card_no\": \"4111111111111111\", \"expire_month\": \"12\", "
           "\"expire_year\": \"30\", \"birthday\": \"890302\", \"card_pw\": \"12\", \"amount\": 1004, "
           "\"quota\": 0, \"item_name\": \"example\", \"user_name\": \"Hong\"}",
           (long)time(NULL));
  char *result = NULL;
  rc = payup_client_call(client, "payup.keyin.approve", request, &result);
  int status = 0;
  char tx[64] = "";
  switch (rc) {
    case PAYUP_OK:
      printf("approved: %s\n", result);
      json_string(result, "transaction_id", tx, sizeof tx);
      break;
    case PAYUP_DECLINED: /* the issuer said no: show the message, offer another card */
    case PAYUP_INVALID:  /* fix the field the error names */
    case PAYUP_CONFIG:
      printf("not approved (%s): %s\n", payup_result_name(rc), result);
      status = 1;
      break;
    case PAYUP_NOT_SENT: /* nothing left this machine: safe to try again */
      printf("not sent, try again: %s\n", result);
      status = 1;
      break;
    case PAYUP_AMBIGUOUS: /* never resend blindly: reconcile with the identifiers in the error */
      printf("outcome unknown, reconcile: %s\n", result);
      status = 1;
      break;
    default: /* PAYUP_NULL_ARGUMENT, PAYUP_PANIC: nothing was written */
      printf("%s\n", payup_result_name(rc));
      status = 1;
  }
  payup_string_free(result);

  if (tx[0]) {
    char cancel[128];
    snprintf(cancel, sizeof cancel, "{\"transaction_id\": \"%s\"}", tx);
    result = NULL;
    rc = payup_client_call(client, "payup.keyin.cancel", cancel, &result);
    printf("%s: %s\n", rc == PAYUP_OK ? "cancelled" : payup_result_name(rc), result);
    if (rc != PAYUP_OK) status = 1;
    payup_string_free(result);
  }

  payup_client_free(client);
  payup_sandbox_free(sandbox);
  return status;
}
