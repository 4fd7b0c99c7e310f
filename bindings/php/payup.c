/* The payup PHP extension (issue 16): a thin Zend layer over libpayup's C ABI.
 *
 * No protocol logic lives here: PHP arrays become the JSON documents of payup_client_call (ext/json's own
 * encoder and decoder), results come back as arrays, and libpayup's error documents become exceptions
 * (Payup\PayupException and one subclass per error kind) carrying core's fields unchanged.
 *
 * Lifetimes: every object belongs to its request, except the libpayup clients made with
 * ['persistent' => true], which live in a per-process table keyed by the SHA-256 of the configuration JSON
 * (like PDO's persistent connections). That table is filled lazily inside a request, never in MINIT, so a
 * php-fpm master holds none and each worker builds its own. It is emptied at MSHUTDOWN. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "php.h"
#include "ext/standard/info.h"
#include "ext/standard/md5.h"
#include "ext/json/php_json.h"
#include "ext/hash/php_hash.h"
#include "ext/hash/php_hash_sha.h"
#include "ext/spl/spl_exceptions.h"
#include "zend_exceptions.h"
#include "zend_smart_str.h"

#include "payup.h"
#include "php_payup.h"
#include "payup_arginfo.h"

#define PAYUP_JSON_DEPTH 512

static zend_class_entry *payup_client_ce;
static zend_class_entry *payup_sandbox_ce;
static zend_class_entry *payup_exception_ce;
#define X(name, kind) static zend_class_entry *payup_##name##_ce;
PAYUP_EXCEPTION_KINDS(X)
#undef X

static zend_object_handlers payup_client_handlers;
static zend_object_handlers payup_sandbox_handlers;

/* Persistent libpayup clients of this process: SHA-256 hex of the configuration JSON → payup_client *. */
static HashTable *payup_persistent = NULL;

typedef struct {
	payup_client *client; /* NULL until constructed */
	bool persistent;      /* owned by payup_persistent, not by this object */
	zval on_exchange;     /* the onExchange() callable, or UNDEF; installed on the libpayup client only while a call runs */
	zend_fcall_info_cache on_exchange_fcc;
	bool bailed_out;      /* a fatal error in the callable: re-raised once libpayup's call has returned */
	zend_object std;
} payup_client_object;

typedef struct {
	payup_sandbox *sandbox; /* NULL once closed */
	zend_object std;
} payup_sandbox_object;

static inline payup_client_object *client_from(zend_object *obj)
{
	return (payup_client_object *)((char *)obj - XtOffsetOf(payup_client_object, std));
}

static inline payup_sandbox_object *sandbox_from(zend_object *obj)
{
	return (payup_sandbox_object *)((char *)obj - XtOffsetOf(payup_sandbox_object, std));
}

/* ---- exceptions ---------------------------------------------------------------------------------------- */

static zend_class_entry *exception_class(const char *kind)
{
#define X(name, k) if (kind && strcmp(kind, k) == 0) { return payup_##name##_ce; }
	PAYUP_EXCEPTION_KINDS(X)
#undef X
	return payup_exception_ce;
}

static void set_string_or_null(zend_object *ex, const char *prop, zval *value)
{
	if (value && Z_TYPE_P(value) == IS_STRING) {
		zend_update_property_str(payup_exception_ce, ex, prop, strlen(prop), Z_STR_P(value));
	} else {
		zend_update_property_null(payup_exception_ce, ex, prop, strlen(prop));
	}
}

/* Creates and throws an exception of `ce`. Its trace never holds the arguments (a request with card data),
 * whatever zend.exception_ignore_args says. */
static zend_object *throw_new(zend_class_entry *ce, const char *message)
{
	bool saved = EG(exception_ignore_args);
	EG(exception_ignore_args) = true;
	zend_object *ex = zend_throw_exception(ce, message, 0);
	EG(exception_ignore_args) = saved;
	return ex;
}

/* Throws the exception of `kind` with `message`, no gateway fields. */
static void throw_plain(const char *kind, const char *message, bool retry_safe)
{
	zend_object *ex = throw_new(exception_class(kind), message);
	zend_update_property_string(payup_exception_ce, ex, "kind", sizeof("kind") - 1, kind);
	zend_update_property_bool(payup_exception_ce, ex, "retrySafe", sizeof("retrySafe") - 1, retry_safe);
}

static const char *result_kind(payup_result rc)
{
	switch (rc) {
	case PAYUP_DECLINED: return "declined";
	case PAYUP_INVALID: return "invalid";
	case PAYUP_NOT_SENT: return "not_sent";
	case PAYUP_CONFIG: return "config";
	default: return "ambiguous";
	}
}

/* Throws the exception an error document `{"error": {...}}` of libpayup describes (rc says the kind when
 * the document cannot be read). */
static void throw_document(payup_result rc, const char *json)
{
	zval doc, *err = NULL;
	ZVAL_UNDEF(&doc);
	if (json && php_json_decode_ex(&doc, json, strlen(json), PHP_JSON_OBJECT_AS_ARRAY, PAYUP_JSON_DEPTH) == SUCCESS
		&& Z_TYPE(doc) == IS_ARRAY) {
		err = zend_hash_str_find(Z_ARRVAL(doc), "error", sizeof("error") - 1);
	}
	if (!err || Z_TYPE_P(err) != IS_ARRAY) {
		zval_ptr_dtor(&doc);
		if (rc == PAYUP_PANIC) {
			throw_plain("ambiguous", "libpayup panicked (a bug): the outcome is unknown, never resend blindly", false);
		} else if (rc == PAYUP_NULL_ARGUMENT) {
			throw_plain("invalid", "libpayup was given a NULL argument (a bug in the payup extension)", false);
		} else {
			throw_plain(result_kind(rc), "libpayup returned an unreadable error document", false);
		}
		return;
	}
	HashTable *e = Z_ARRVAL_P(err);
	zval *kind = zend_hash_str_find(e, "kind", sizeof("kind") - 1);
	const char *kind_s = (kind && Z_TYPE_P(kind) == IS_STRING) ? Z_STRVAL_P(kind) : result_kind(rc);
	zval *display = zend_hash_str_find(e, "display", sizeof("display") - 1);
	if (!display || Z_TYPE_P(display) != IS_STRING) {
		display = zend_hash_str_find(e, "message", sizeof("message") - 1);
	}
	const char *message = (display && Z_TYPE_P(display) == IS_STRING) ? Z_STRVAL_P(display) : kind_s;

	zend_object *ex = throw_new(exception_class(kind_s), message);
	zend_update_property_string(payup_exception_ce, ex, "kind", sizeof("kind") - 1, kind_s);
	set_string_or_null(ex, "gatewayCode", zend_hash_str_find(e, "gateway_code", sizeof("gateway_code") - 1));
	set_string_or_null(ex, "payupCode", zend_hash_str_find(e, "payup_code", sizeof("payup_code") - 1));
	set_string_or_null(ex, "gateway", zend_hash_str_find(e, "gateway", sizeof("gateway") - 1));
	set_string_or_null(ex, "field", zend_hash_str_find(e, "field", sizeof("field") - 1));
	zval *amb = zend_hash_str_find(e, "ambiguous", sizeof("ambiguous") - 1);
	if (amb && Z_TYPE_P(amb) == IS_ARRAY) {
		zend_update_property(payup_exception_ce, ex, "ambiguous", sizeof("ambiguous") - 1, amb);
	}
	zval *safe = zend_hash_str_find(e, "retry_safe", sizeof("retry_safe") - 1);
	zend_update_property_bool(payup_exception_ce, ex, "retrySafe", sizeof("retrySafe") - 1,
		safe && Z_TYPE_P(safe) == IS_TRUE);
	zval_ptr_dtor(&doc);
}

/* Throws for a libpayup result that is not PAYUP_OK; frees `out`. */
static void throw_result(payup_result rc, char *out)
{
	throw_document(rc, out);
	payup_string_free(out);
}

static const char *json_error_words(php_json_error_code code)
{
	switch (code) {
	case PHP_JSON_ERROR_DEPTH: return "nested too deeply";
	case PHP_JSON_ERROR_UTF8: return "has a string that is not valid UTF-8";
	case PHP_JSON_ERROR_RECURSION: return "refers to itself";
	case PHP_JSON_ERROR_INF_OR_NAN: return "has INF or NAN";
	case PHP_JSON_ERROR_UNSUPPORTED_TYPE: return "holds a value JSON cannot carry (a resource, a closure)";
	case PHP_JSON_ERROR_INVALID_PROPERTY_NAME: return "has an invalid property name";
	case PHP_JSON_ERROR_NON_BACKED_ENUM: return "holds a non-backed enum";
	default: return "cannot be encoded as JSON";
	}
}

/* The JSON document of a PHP array (an empty array is the empty object); NULL with an
 * InvalidRequestException (or ConfigException for `config`) thrown. `what` names it in the message; the
 * values never appear. */
static zend_string *encode_document(zval *value, const char *what, const char *kind)
{
	if (Z_TYPE_P(value) == IS_ARRAY && zend_hash_num_elements(Z_ARRVAL_P(value)) == 0) {
		return zend_string_init("{}", 2, 0);
	}
	smart_str buf = {0};
	JSON_G(error_code) = PHP_JSON_ERROR_NONE;
	zend_result r = php_json_encode_ex(&buf, value, PHP_JSON_UNESCAPED_UNICODE | PHP_JSON_UNESCAPED_SLASHES
		| PHP_JSON_PRESERVE_ZERO_FRACTION, PAYUP_JSON_DEPTH);
	php_json_error_code code = JSON_G(error_code);
	if (r == FAILURE || code != PHP_JSON_ERROR_NONE || EG(exception)) {
		smart_str_free(&buf);
		if (!EG(exception)) {
			char message[160];
			snprintf(message, sizeof message, "the %s %s", what, json_error_words(code));
			throw_plain(kind, message, true);
		}
		return NULL;
	}
	smart_str_0(&buf);
	return buf.s ? buf.s : zend_string_init("null", 4, 0);
}

/* Decodes a libpayup result document into return_value; frees `out`. */
static void return_document(zval *return_value, char *out)
{
	if (php_json_decode_ex(return_value, out, strlen(out), PHP_JSON_OBJECT_AS_ARRAY, PAYUP_JSON_DEPTH) == FAILURE) {
		payup_string_free(out);
		throw_plain("ambiguous", "libpayup returned an unreadable result document", false);
		RETURN_THROWS();
	}
	payup_string_free(out);
}

static bool has_nul(zend_string *s)
{
	return strlen(ZSTR_VAL(s)) != ZSTR_LEN(s);
}

/* ---- Payup\version() ---------------------------------------------------------------------------------- */

ZEND_FUNCTION(Payup_version)
{
	ZEND_PARSE_PARAMETERS_NONE();
	RETURN_STRING(payup_version());
}

/* ---- Payup\Client ------------------------------------------------------------------------------------- */

static zend_object *client_create(zend_class_entry *ce)
{
	payup_client_object *o = zend_object_alloc(sizeof(payup_client_object), ce);
	o->client = NULL;
	o->persistent = false;
	ZVAL_UNDEF(&o->on_exchange);
	o->bailed_out = false;
	zend_object_std_init(&o->std, ce);
	object_properties_init(&o->std, ce);
	o->std.handlers = &payup_client_handlers;
	return &o->std;
}

static void client_free(zend_object *obj)
{
	payup_client_object *o = client_from(obj);
	if (o->client && !o->persistent) {
		payup_client_free(o->client);
	}
	o->client = NULL;
	zval_ptr_dtor(&o->on_exchange);
	ZVAL_UNDEF(&o->on_exchange);
	zend_object_std_dtor(obj);
}

/* The callable is a child of the object for the cycle collector ($client->onExchange(fn … use ($client))). */
static HashTable *client_get_gc(zend_object *obj, zval **table, int *n)
{
	payup_client_object *o = client_from(obj);
	*table = Z_ISUNDEF(o->on_exchange) ? NULL : &o->on_exchange;
	*n = Z_ISUNDEF(o->on_exchange) ? 0 : 1;
	return zend_std_get_properties(obj);
}

static void persistent_dtor(zval *zv)
{
	payup_client_free((payup_client *)Z_PTR_P(zv));
}

/* Makes a libpayup client for `json`; NULL with a ConfigException thrown. */
static payup_client *new_client(zend_string *json)
{
	payup_client *client = NULL;
	char *err = NULL;
	payup_result rc = payup_client_new(ZSTR_VAL(json), &client, &err);
	if (rc != PAYUP_OK) {
		throw_result(rc, err);
		return NULL;
	}
	return client;
}

ZEND_METHOD(Payup_Client, __construct)
{
	zend_string *config_str = NULL;
	HashTable *config_arr = NULL;
	HashTable *options = NULL;
	ZEND_PARSE_PARAMETERS_START(1, 2)
		Z_PARAM_ARRAY_HT_OR_STR(config_arr, config_str)
		Z_PARAM_OPTIONAL
		Z_PARAM_ARRAY_HT(options)
	ZEND_PARSE_PARAMETERS_END();

	payup_client_object *o = client_from(Z_OBJ_P(ZEND_THIS));
	if (o->client) {
		zend_throw_error(NULL, "Payup\\Client is already constructed");
		RETURN_THROWS();
	}
	bool persistent = false;
	if (options) {
		zval *p = zend_hash_str_find(options, "persistent", sizeof("persistent") - 1);
		persistent = p && zend_is_true(p);
	}

	zend_string *json;
	if (config_arr) {
		zval tmp;
		ZVAL_ARR(&tmp, config_arr);
		json = encode_document(&tmp, "configuration", "config");
		if (!json) {
			RETURN_THROWS();
		}
	} else {
		if (has_nul(config_str)) {
			throw_plain("config", "the configuration contains a NUL byte", true);
			RETURN_THROWS();
		}
		json = zend_string_copy(config_str);
	}

	if (!persistent) {
		o->client = new_client(json);
		zend_string_release(json);
		return;
	}

	/* The persistent table's key: the SHA-256 of the configuration JSON, in hex (the JSON holds keys). */
	PHP_SHA256_CTX ctx;
	unsigned char digest[32];
	char key[65];
	PHP_SHA256Init(&ctx);
	PHP_SHA256Update(&ctx, (const unsigned char *)ZSTR_VAL(json), ZSTR_LEN(json));
	PHP_SHA256Final(digest, &ctx);
	make_digest_ex(key, digest, sizeof digest);

	if (!payup_persistent) {
		payup_persistent = pemalloc(sizeof(HashTable), 1);
		zend_hash_init(payup_persistent, 4, NULL, persistent_dtor, 1);
	}
	payup_client *client = zend_hash_str_find_ptr(payup_persistent, key, 64);
	if (!client) {
		client = new_client(json);
		if (client) {
			zend_hash_str_add_new_ptr(payup_persistent, key, 64, client);
		}
	}
	zend_string_release(json);
	if (client) {
		o->client = client;
		o->persistent = true;
	}
}

/* libpayup's event callback (payup_client_set_event_callback): runs on this thread, inside
 * payup_client_call; hands the event, decoded to an array, to the object's onExchange callable. */
static void on_event(const char *event_json, void *user_data)
{
	payup_client_object *o = (payup_client_object *)user_data;
	if (Z_ISUNDEF(o->on_exchange) || EG(exception) || o->bailed_out) {
		return;
	}
	zval event, retval;
	if (php_json_decode_ex(&event, (char *)event_json, strlen(event_json), PHP_JSON_OBJECT_AS_ARRAY,
			PAYUP_JSON_DEPTH) == FAILURE) {
		return;
	}
	ZVAL_UNDEF(&retval);
	/* A fatal error (a bailout, longjmp) must not unwind through libpayup's Rust frames: catch it here. */
	zend_try {
		zend_call_known_function(o->on_exchange_fcc.function_handler, o->on_exchange_fcc.object,
			o->on_exchange_fcc.called_scope, &retval, 1, &event, NULL);
	} zend_catch {
		o->bailed_out = true;
	} zend_end_try();
	zval_ptr_dtor(&retval);
	zval_ptr_dtor(&event);
	if (EG(exception)) {
		/* The payment's outcome must reach the caller: the callback's exception is dropped, with a warning. */
		zend_clear_exception();
		php_error_docref(NULL, E_WARNING, "the onExchange callback threw an exception; it was discarded");
	}
}

ZEND_METHOD(Payup_Client, onExchange)
{
	zend_fcall_info fci = empty_fcall_info;
	zend_fcall_info_cache fcc = empty_fcall_info_cache;
	ZEND_PARSE_PARAMETERS_START(1, 1)
		Z_PARAM_FUNC_OR_NULL(fci, fcc)
	ZEND_PARSE_PARAMETERS_END();
	payup_client_object *o = client_from(Z_OBJ_P(ZEND_THIS));
	zval_ptr_dtor(&o->on_exchange);
	ZVAL_UNDEF(&o->on_exchange);
	if (ZEND_FCI_INITIALIZED(fci)) {
		ZVAL_COPY(&o->on_exchange, &fci.function_name);
		o->on_exchange_fcc = fcc;
	}
}

/* options: NULL or the call options array (['timeout_ms' => N]); never request fields. */
static void client_call(zval *return_value, zval *this_, const char *operation, HashTable *request, HashTable *options)
{
	payup_client_object *o = client_from(Z_OBJ_P(this_));
	if (!o->client) {
		zend_throw_error(NULL, "Payup\\Client is not constructed");
		return;
	}
	zval tmp;
	ZVAL_ARR(&tmp, request);
	zend_string *json = encode_document(&tmp, "request", "invalid");
	if (!json) {
		return;
	}
	zend_string *options_json = NULL;
	if (options && zend_hash_num_elements(options) > 0) {
		zval opt;
		ZVAL_ARR(&opt, options);
		options_json = encode_document(&opt, "options", "invalid");
		if (!options_json) {
			zend_string_release(json);
			return;
		}
	}
	char *out = NULL;
	/* The callback is set on the (possibly persistent, shared) libpayup client for this call only, so that it
	 * never outlives this object or its request. A PHP process runs one request at a time (NTS). */
	bool events = !Z_ISUNDEF(o->on_exchange);
	if (events) {
		payup_client_set_event_callback(o->client, on_event, o);
	}
	payup_result rc = payup_client_call_with_options(o->client, operation, ZSTR_VAL(json),
		options_json ? ZSTR_VAL(options_json) : NULL, &out);
	if (events) {
		payup_client_set_event_callback(o->client, NULL, NULL);
		if (o->bailed_out) {
			o->bailed_out = false;
			payup_string_free(out);
			zend_string_release(json);
			if (options_json) {
				zend_string_release(options_json);
			}
			zend_bailout();
		}
	}
	zend_string_release(json);
	if (options_json) {
		zend_string_release(options_json);
	}
	if (rc != PAYUP_OK) {
		throw_result(rc, out);
		return;
	}
	return_document(return_value, out);
}

ZEND_METHOD(Payup_Client, call)
{
	zend_string *operation;
	HashTable *request;
	HashTable *options = NULL;
	ZEND_PARSE_PARAMETERS_START(2, 3)
		Z_PARAM_STR(operation)
		Z_PARAM_ARRAY_HT(request)
		Z_PARAM_OPTIONAL
		Z_PARAM_ARRAY_HT(options)
	ZEND_PARSE_PARAMETERS_END();
	if (has_nul(operation)) {
		throw_plain("invalid", "the operation name contains a NUL byte", true);
		RETURN_THROWS();
	}
	client_call(return_value, ZEND_THIS, ZSTR_VAL(operation), request, options);
}

ZEND_METHOD(Payup_Client, recover)
{
	ZEND_PARSE_PARAMETERS_NONE();
	payup_client_object *o = client_from(Z_OBJ_P(ZEND_THIS));
	if (!o->client) {
		zend_throw_error(NULL, "Payup\\Client is not constructed");
		RETURN_THROWS();
	}
	char *out = NULL;
	payup_result rc = payup_client_recover(o->client, &out);
	if (rc != PAYUP_OK) {
		throw_result(rc, out);
		return;
	}
	return_document(return_value, out);
}

/* One method per operation (payup_arginfo.h's generated table): each runs its catalogue name. */
#define X(method, operation) \
	ZEND_METHOD(Payup_Client, method) \
	{ \
		HashTable *request; \
		HashTable *options = NULL; \
		ZEND_PARSE_PARAMETERS_START(1, 2) \
			Z_PARAM_ARRAY_HT(request) \
			Z_PARAM_OPTIONAL \
			Z_PARAM_ARRAY_HT(options) \
		ZEND_PARSE_PARAMETERS_END(); \
		client_call(return_value, ZEND_THIS, operation, request, options); \
	}
PAYUP_CLIENT_OPERATIONS(X)
#undef X

/* ---- Payup\Sandbox ------------------------------------------------------------------------------------ */

static zend_object *sandbox_create(zend_class_entry *ce)
{
	payup_sandbox_object *o = zend_object_alloc(sizeof(payup_sandbox_object), ce);
	o->sandbox = NULL;
	zend_object_std_init(&o->std, ce);
	object_properties_init(&o->std, ce);
	o->std.handlers = &payup_sandbox_handlers;
	return &o->std;
}

static void sandbox_free(zend_object *obj)
{
	payup_sandbox_object *o = sandbox_from(obj);
	payup_sandbox_free(o->sandbox);
	o->sandbox = NULL;
	zend_object_std_dtor(obj);
}

static payup_sandbox *live_sandbox(zval *this_)
{
	payup_sandbox_object *o = sandbox_from(Z_OBJ_P(this_));
	if (!o->sandbox) {
		throw_plain("config", "the sandbox is closed", true);
	}
	return o->sandbox;
}

ZEND_METHOD(Payup_Sandbox, __construct)
{
	HashTable *config = NULL;
	ZEND_PARSE_PARAMETERS_START(0, 1)
		Z_PARAM_OPTIONAL
		Z_PARAM_ARRAY_HT_OR_NULL(config)
	ZEND_PARSE_PARAMETERS_END();
	payup_sandbox_object *o = sandbox_from(Z_OBJ_P(ZEND_THIS));
	if (o->sandbox) {
		zend_throw_error(NULL, "Payup\\Sandbox is already started");
		RETURN_THROWS();
	}
	zend_string *json = NULL;
	if (config) {
		zval tmp;
		ZVAL_ARR(&tmp, config);
		json = encode_document(&tmp, "sandbox configuration", "config");
		if (!json) {
			RETURN_THROWS();
		}
	}
	payup_result rc = payup_sandbox_start(json ? ZSTR_VAL(json) : NULL, &o->sandbox);
	if (json) {
		zend_string_release(json);
	}
	if (rc != PAYUP_OK) {
		o->sandbox = NULL;
		throw_plain("config", "cannot start the sandbox: a bad sandbox configuration, or no loopback port", false);
		RETURN_THROWS();
	}
}

ZEND_METHOD(Payup_Sandbox, baseUrl)
{
	ZEND_PARSE_PARAMETERS_NONE();
	payup_sandbox *sb = live_sandbox(ZEND_THIS);
	if (!sb) {
		RETURN_THROWS();
	}
	RETURN_STRING(payup_sandbox_base_url(sb));
}

ZEND_METHOD(Payup_Sandbox, clientConfig)
{
	ZEND_PARSE_PARAMETERS_NONE();
	payup_sandbox *sb = live_sandbox(ZEND_THIS);
	if (!sb) {
		RETURN_THROWS();
	}
	char *out = NULL;
	payup_result rc = payup_sandbox_client_config(sb, &out);
	if (rc != PAYUP_OK) {
		throw_result(rc, out);
		RETURN_THROWS();
	}
	return_document(return_value, out);
}

ZEND_METHOD(Payup_Sandbox, transactions)
{
	ZEND_PARSE_PARAMETERS_NONE();
	payup_sandbox *sb = live_sandbox(ZEND_THIS);
	if (!sb) {
		RETURN_THROWS();
	}
	char *out = NULL;
	payup_result rc = payup_sandbox_transactions(sb, &out);
	if (rc != PAYUP_OK) {
		throw_result(rc, out);
		RETURN_THROWS();
	}
	zval ledger;
	return_document(&ledger, out);
	if (EG(exception)) {
		RETURN_THROWS();
	}
	zval *list = Z_TYPE(ledger) == IS_ARRAY
		? zend_hash_str_find(Z_ARRVAL(ledger), "transactions", sizeof("transactions") - 1) : NULL;
	if (list && Z_TYPE_P(list) == IS_ARRAY) {
		RETVAL_COPY(list);
	} else {
		array_init(return_value);
	}
	zval_ptr_dtor(&ledger);
}

ZEND_METHOD(Payup_Sandbox, armFault)
{
	zend_string *operation, *fault;
	HashTable *options = NULL;
	ZEND_PARSE_PARAMETERS_START(2, 3)
		Z_PARAM_STR(operation)
		Z_PARAM_STR(fault)
		Z_PARAM_OPTIONAL
		Z_PARAM_ARRAY_HT(options)
	ZEND_PARSE_PARAMETERS_END();
	payup_sandbox *sb = live_sandbox(ZEND_THIS);
	if (!sb) {
		RETURN_THROWS();
	}
	zend_long delay_ms = -1, times = 1;
	if (options) {
		zval *v;
		if ((v = zend_hash_str_find(options, "delay_ms", sizeof("delay_ms") - 1)) && Z_TYPE_P(v) != IS_NULL) {
			delay_ms = zval_get_long(v);
		}
		if ((v = zend_hash_str_find(options, "times", sizeof("times") - 1)) && Z_TYPE_P(v) != IS_NULL) {
			times = zval_get_long(v);
		}
	}
	if (times < 0 || times > UINT32_MAX || has_nul(operation) || has_nul(fault)) {
		throw_plain("invalid", "armFault: times must be 0..4294967295 and names must have no NUL byte", true);
		RETURN_THROWS();
	}
	payup_result rc = payup_sandbox_arm_fault(sb, ZSTR_VAL(operation), ZSTR_VAL(fault), delay_ms, (uint32_t)times);
	if (rc != PAYUP_OK) {
		throw_plain("invalid", "armFault: unknown operation or fault (delay, http_500, malformed_body, "
			"reset_before_commit, drop_after_commit, wrong_amount)", true);
		RETURN_THROWS();
	}
}

/* The "now" of a clock call's {"now": ...} document, as the method's string. */
static void return_clock(zval *return_value, payup_result rc, char *out)
{
	if (rc != PAYUP_OK) {
		throw_result(rc, out);
		RETURN_THROWS();
	}
	zval doc;
	return_document(&doc, out);
	if (EG(exception)) {
		RETURN_THROWS();
	}
	zval *now = Z_TYPE(doc) == IS_ARRAY ? zend_hash_str_find(Z_ARRVAL(doc), "now", sizeof("now") - 1) : NULL;
	if (now && Z_TYPE_P(now) == IS_STRING) {
		RETVAL_STR_COPY(Z_STR_P(now));
	} else {
		RETVAL_EMPTY_STRING();
	}
	zval_ptr_dtor(&doc);
}

ZEND_METHOD(Payup_Sandbox, advanceClock)
{
	zend_long secs;
	ZEND_PARSE_PARAMETERS_START(1, 1)
		Z_PARAM_LONG(secs)
	ZEND_PARSE_PARAMETERS_END();
	payup_sandbox *sb = live_sandbox(ZEND_THIS);
	if (!sb) {
		RETURN_THROWS();
	}
	char *out = NULL;
	payup_result rc = payup_sandbox_advance_clock(sb, (int64_t)secs, &out);
	return_clock(return_value, rc, out);
}

ZEND_METHOD(Payup_Sandbox, setClock)
{
	zend_string *iso;
	ZEND_PARSE_PARAMETERS_START(1, 1)
		Z_PARAM_STR(iso)
	ZEND_PARSE_PARAMETERS_END();
	payup_sandbox *sb = live_sandbox(ZEND_THIS);
	if (!sb) {
		RETURN_THROWS();
	}
	if (has_nul(iso)) {
		throw_plain("invalid", "setClock: the date-time must have no NUL byte", true);
		RETURN_THROWS();
	}
	char *out = NULL;
	payup_result rc = payup_sandbox_set_clock(sb, ZSTR_VAL(iso), &out);
	return_clock(return_value, rc, out);
}

ZEND_METHOD(Payup_Sandbox, close)
{
	ZEND_PARSE_PARAMETERS_NONE();
	payup_sandbox_object *o = sandbox_from(Z_OBJ_P(ZEND_THIS));
	payup_sandbox_free(o->sandbox);
	o->sandbox = NULL;
}

/* ---- Payup\PayupException getters --------------------------------------------------------------------- */

static void return_property(zval *return_value, zval *this_, const char *name)
{
	zval rv;
	zval *v = zend_read_property(payup_exception_ce, Z_OBJ_P(this_), name, strlen(name), 1, &rv);
	RETURN_COPY_DEREF(v);
}

#define GETTER(method, prop) \
	ZEND_METHOD(Payup_PayupException, method) \
	{ \
		ZEND_PARSE_PARAMETERS_NONE(); \
		return_property(return_value, ZEND_THIS, prop); \
	}
GETTER(getKind, "kind")
GETTER(getGatewayCode, "gatewayCode")
GETTER(getPayupCode, "payupCode")
GETTER(getGateway, "gateway")
GETTER(getField, "field")
GETTER(getAmbiguous, "ambiguous")
GETTER(isRetrySafe, "retrySafe")
#undef GETTER

/* ---- the module --------------------------------------------------------------------------------------- */

PHP_MINIT_FUNCTION(payup)
{
	payup_client_ce = register_class_Payup_Client();
	payup_client_ce->create_object = client_create;
	payup_client_ce->ce_flags |= ZEND_ACC_NO_DYNAMIC_PROPERTIES;
	memcpy(&payup_client_handlers, zend_get_std_object_handlers(), sizeof(zend_object_handlers));
	payup_client_handlers.offset = XtOffsetOf(payup_client_object, std);
	payup_client_handlers.free_obj = client_free;
	payup_client_handlers.get_gc = client_get_gc;
	payup_client_handlers.clone_obj = NULL;

	payup_sandbox_ce = register_class_Payup_Sandbox();
	payup_sandbox_ce->create_object = sandbox_create;
	payup_sandbox_ce->ce_flags |= ZEND_ACC_NO_DYNAMIC_PROPERTIES;
	memcpy(&payup_sandbox_handlers, zend_get_std_object_handlers(), sizeof(zend_object_handlers));
	payup_sandbox_handlers.offset = XtOffsetOf(payup_sandbox_object, std);
	payup_sandbox_handlers.free_obj = sandbox_free;
	payup_sandbox_handlers.clone_obj = NULL;

	payup_exception_ce = register_class_Payup_PayupException(spl_ce_RuntimeException);
#define X(name, kind) payup_##name##_ce = register_class_Payup_##name(payup_exception_ce);
	PAYUP_EXCEPTION_KINDS(X)
#undef X
	return SUCCESS;
}

PHP_MSHUTDOWN_FUNCTION(payup)
{
	if (payup_persistent) {
		zend_hash_destroy(payup_persistent);
		pefree(payup_persistent, 1);
		payup_persistent = NULL;
	}
	return SUCCESS;
}

PHP_MINFO_FUNCTION(payup)
{
	char count[32];
	snprintf(count, sizeof count, "%u", payup_persistent ? zend_hash_num_elements(payup_persistent) : 0);
	php_info_print_table_start();
	php_info_print_table_row(2, "payup support", "enabled");
	php_info_print_table_row(2, "extension version", PHP_PAYUP_VERSION);
	php_info_print_table_row(2, "libpayup version", payup_version());
	php_info_print_table_row(2, "persistent clients (this process)", count);
	php_info_print_table_end();
}

static const zend_module_dep payup_deps[] = {
	ZEND_MOD_REQUIRED("json")
	ZEND_MOD_REQUIRED("hash")
	ZEND_MOD_REQUIRED("spl")
	ZEND_MOD_END
};

zend_module_entry payup_module_entry = {
	STANDARD_MODULE_HEADER_EX, NULL,
	payup_deps,
	"payup",
	ext_functions,
	PHP_MINIT(payup),
	PHP_MSHUTDOWN(payup),
	NULL,
	NULL,
	PHP_MINFO(payup),
	PHP_PAYUP_VERSION,
	STANDARD_MODULE_PROPERTIES
};

#ifdef COMPILE_DL_PAYUP
ZEND_GET_MODULE(payup)
#endif
