/*
 * minijson: a tiny JSON reader/writer for the C tests of libpayup (test code, not part of the library).
 * Parses RFC 8259 JSON into a tree, looks up object members, writes compact JSON back, and compares two
 * trees (objects order-free, arrays in order, numbers by value, every JSON type distinct).
 */
#ifndef MINIJSON_H
#define MINIJSON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { MJ_NULL, MJ_BOOL, MJ_NUM, MJ_STR, MJ_ARR, MJ_OBJ } mj_type;

typedef struct mj {
  mj_type type;
  int boolean;
  double num;
  char *str;        /* MJ_STR: decoded UTF-8, NUL-terminated (len bytes, may hold \u0000) */
  size_t len;
  size_t count;     /* MJ_ARR / MJ_OBJ */
  char **keys;      /* MJ_OBJ */
  struct mj **items;
} mj;

typedef struct {
  const char *p;
  const char *end;
  int failed;
} mj_parser;

static void mj_free(mj *v) {
  if (!v) return;
  for (size_t i = 0; i < v->count; i++) {
    if (v->keys) free(v->keys[i]);
    mj_free(v->items[i]);
  }
  free(v->keys);
  free(v->items);
  free(v->str);
  free(v);
}

static void mj_ws(mj_parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static mj *mj_new(mj_type t) {
  mj *v = (mj *)calloc(1, sizeof(mj));
  if (!v) abort();
  v->type = t;
  return v;
}

static void mj_push(mj *v, char *key, mj *item) {
  v->items = (mj **)realloc(v->items, (v->count + 1) * sizeof(mj *));
  if (!v->items) abort();
  if (v->type == MJ_OBJ) {
    v->keys = (char **)realloc(v->keys, (v->count + 1) * sizeof(char *));
    if (!v->keys) abort();
    v->keys[v->count] = key;
  }
  v->items[v->count++] = item;
}

static int mj_hex4(mj_parser *ps, unsigned *out) {
  if (ps->end - ps->p < 4) return 0;
  unsigned u = 0;
  for (int i = 0; i < 4; i++) {
    char c = *ps->p++;
    u <<= 4;
    if (c >= '0' && c <= '9') u |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') u |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') u |= (unsigned)(c - 'A' + 10);
    else return 0;
  }
  *out = u;
  return 1;
}

/* Parses a string at ps->p (which is at the opening quote); returns a malloc'd buffer and its length. */
static char *mj_string(mj_parser *ps, size_t *len_out) {
  ps->p++; /* opening quote */
  size_t cap = 16, len = 0;
  char *buf = (char *)malloc(cap);
  if (!buf) abort();
  for (;;) {
    if (ps->p >= ps->end) goto fail;
    unsigned char c = (unsigned char)*ps->p++;
    unsigned cp;
    if (c == '"') break;
    if (c < 0x20) goto fail;
    if (c != '\\') {
      cp = 0x100 + c; /* a raw byte, copied as is */
    } else {
      if (ps->p >= ps->end) goto fail;
      char e = *ps->p++;
      switch (e) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u': {
          if (!mj_hex4(ps, &cp)) goto fail;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned lo;
            if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') goto fail;
            ps->p += 2;
            if (!mj_hex4(ps, &lo) || lo < 0xDC00 || lo > 0xDFFF) goto fail;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            goto fail;
          }
          break;
        }
        default: goto fail;
      }
    }
    if (len + 5 > cap) {
      cap *= 2;
      buf = (char *)realloc(buf, cap);
      if (!buf) abort();
    }
    if (cp >= 0x100 && cp < 0x200 && c != '\\') {
      buf[len++] = (char)(cp - 0x100);
    } else if (cp < 0x80) {
      buf[len++] = (char)cp;
    } else if (cp < 0x800) {
      buf[len++] = (char)(0xC0 | (cp >> 6));
      buf[len++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      buf[len++] = (char)(0xE0 | (cp >> 12));
      buf[len++] = (char)(0x80 | ((cp >> 6) & 0x3F));
      buf[len++] = (char)(0x80 | (cp & 0x3F));
    } else {
      buf[len++] = (char)(0xF0 | (cp >> 18));
      buf[len++] = (char)(0x80 | ((cp >> 12) & 0x3F));
      buf[len++] = (char)(0x80 | ((cp >> 6) & 0x3F));
      buf[len++] = (char)(0x80 | (cp & 0x3F));
    }
  }
  buf[len] = 0;
  *len_out = len;
  return buf;
fail:
  free(buf);
  ps->failed = 1;
  return NULL;
}

static mj *mj_value(mj_parser *ps, int depth) {
  mj_ws(ps);
  if (ps->p >= ps->end || depth > 200) {
    ps->failed = 1;
    return NULL;
  }
  char c = *ps->p;
  if (c == '{' || c == '[') {
    int obj = c == '{';
    mj *v = mj_new(obj ? MJ_OBJ : MJ_ARR);
    ps->p++;
    mj_ws(ps);
    if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
      ps->p++;
      return v;
    }
    for (;;) {
      char *key = NULL;
      if (obj) {
        mj_ws(ps);
        size_t klen;
        if (ps->p >= ps->end || *ps->p != '"' || !(key = mj_string(ps, &klen))) goto fail_container;
        mj_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') {
          free(key);
          goto fail_container;
        }
        ps->p++;
      }
      mj *item = mj_value(ps, depth + 1);
      if (!item) {
        free(key);
        goto fail_container;
      }
      mj_push(v, key, item);
      mj_ws(ps);
      if (ps->p < ps->end && *ps->p == ',') {
        ps->p++;
        continue;
      }
      if (ps->p < ps->end && *ps->p == (obj ? '}' : ']')) {
        ps->p++;
        return v;
      }
      goto fail_container;
    }
  fail_container:
    ps->failed = 1;
    mj_free(v);
    return NULL;
  }
  if (c == '"') {
    mj *v = mj_new(MJ_STR);
    v->str = mj_string(ps, &v->len);
    if (!v->str) {
      mj_free(v);
      return NULL;
    }
    return v;
  }
  if ((size_t)(ps->end - ps->p) >= 4 && !strncmp(ps->p, "null", 4)) {
    ps->p += 4;
    return mj_new(MJ_NULL);
  }
  if ((size_t)(ps->end - ps->p) >= 4 && !strncmp(ps->p, "true", 4)) {
    ps->p += 4;
    mj *v = mj_new(MJ_BOOL);
    v->boolean = 1;
    return v;
  }
  if ((size_t)(ps->end - ps->p) >= 5 && !strncmp(ps->p, "false", 5)) {
    ps->p += 5;
    return mj_new(MJ_BOOL);
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    char *endp;
    double d = strtod(ps->p, &endp);
    if (endp == ps->p || endp > ps->end) {
      ps->failed = 1;
      return NULL;
    }
    ps->p = endp;
    mj *v = mj_new(MJ_NUM);
    v->num = d;
    return v;
  }
  ps->failed = 1;
  return NULL;
}

/* Parses a whole document; NULL when it is not valid JSON. */
static mj *mj_parse_n(const char *text, size_t n) {
  mj_parser ps = {text, text + n, 0};
  mj *v = mj_value(&ps, 0);
  mj_ws(&ps);
  if (!v || ps.failed || ps.p != ps.end) {
    mj_free(v);
    return NULL;
  }
  return v;
}

static mj *mj_parse(const char *text) { return text ? mj_parse_n(text, strlen(text)) : NULL; }

/* The member `key` of an object (NULL when absent or not an object). */
static mj *mj_get(const mj *v, const char *key) {
  if (!v || v->type != MJ_OBJ) return NULL;
  for (size_t i = 0; i < v->count; i++)
    if (!strcmp(v->keys[i], key)) return v->items[i];
  return NULL;
}

/* The string value of member `key`, or NULL. */
static const char *mj_str(const mj *v, const char *key) {
  mj *s = mj_get(v, key);
  return s && s->type == MJ_STR ? s->str : NULL;
}

/* Deep equality: objects order-free, arrays in order, numbers by value. */
static int mj_equal(const mj *a, const mj *b) {
  if (!a || !b) return a == b;
  if (a->type != b->type) return 0;
  switch (a->type) {
    case MJ_NULL: return 1;
    case MJ_BOOL: return a->boolean == b->boolean;
    case MJ_NUM: return a->num == b->num;
    case MJ_STR: return a->len == b->len && !memcmp(a->str, b->str, a->len);
    case MJ_ARR:
      if (a->count != b->count) return 0;
      for (size_t i = 0; i < a->count; i++)
        if (!mj_equal(a->items[i], b->items[i])) return 0;
      return 1;
    case MJ_OBJ:
      if (a->count != b->count) return 0;
      for (size_t i = 0; i < a->count; i++)
        if (!mj_equal(a->items[i], mj_get(b, a->keys[i]))) return 0;
      return 1;
  }
  return 0;
}

typedef struct {
  char *buf;
  size_t len, cap;
} mj_out;

static void mj_put(mj_out *o, const char *s, size_t n) {
  if (o->len + n + 1 > o->cap) {
    while (o->len + n + 1 > o->cap) o->cap = o->cap ? o->cap * 2 : 64;
    o->buf = (char *)realloc(o->buf, o->cap);
    if (!o->buf) abort();
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
  o->buf[o->len] = 0;
}

static void mj_put_string(mj_out *o, const char *s, size_t n) {
  mj_put(o, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char esc[8];
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      mj_put(o, esc, 2);
    } else if (c < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", c);
      mj_put(o, esc, 6);
    } else {
      mj_put(o, (const char *)&s[i], 1);
    }
  }
  mj_put(o, "\"", 1);
}

static void mj_write(mj_out *o, const mj *v) {
  char num[64];
  switch (v->type) {
    case MJ_NULL: mj_put(o, "null", 4); break;
    case MJ_BOOL: v->boolean ? mj_put(o, "true", 4) : mj_put(o, "false", 5); break;
    case MJ_NUM:
      if (v->num == (double)(long long)v->num) snprintf(num, sizeof num, "%lld", (long long)v->num);
      else snprintf(num, sizeof num, "%.17g", v->num);
      mj_put(o, num, strlen(num));
      break;
    case MJ_STR: mj_put_string(o, v->str, v->len); break;
    case MJ_ARR:
    case MJ_OBJ:
      mj_put(o, v->type == MJ_OBJ ? "{" : "[", 1);
      for (size_t i = 0; i < v->count; i++) {
        if (i) mj_put(o, ",", 1);
        if (v->type == MJ_OBJ) {
          mj_put_string(o, v->keys[i], strlen(v->keys[i]));
          mj_put(o, ":", 1);
        }
        mj_write(o, v->items[i]);
      }
      mj_put(o, v->type == MJ_OBJ ? "}" : "]", 1);
      break;
  }
}

/* Compact JSON text of a tree (malloc'd; free it). */
static char *mj_dump(const mj *v) {
  mj_out o = {NULL, 0, 0};
  mj_put(&o, "", 0);
  mj_write(&o, v);
  return o.buf;
}

/* The whole content of a file (malloc'd), or NULL. */
static char *mj_read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, len = 0;
  char *buf = (char *)malloc(cap);
  if (!buf) abort();
  size_t n;
  while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
    len += n;
    if (cap - len - 1 == 0) {
      cap *= 2;
      buf = (char *)realloc(buf, cap);
      if (!buf) abort();
    }
  }
  fclose(f);
  buf[len] = 0;
  return buf;
}

#endif /* MINIJSON_H */
