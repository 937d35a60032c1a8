/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-event-args.c: the light reader of stored event args gives exactly
 * what json-glib gives, and leaves everything else (and every error) to it. */
#include "config.h"

#include <string.h>

#include "json-test-util.h"
#include "store-test-util.h"
#include "cairn-text.h"

/* If the light reader takes json, json-glib must give the identical
 * object. Returns whether it took it. */
static gboolean
check_same (const char *json,
            gssize      length)
{
  g_autoptr(JsonObject) fast = _cairn_event_args_scan (json, length);
  g_autoptr(JsonObject) slow = NULL;

  if (fast == NULL)
    return FALSE;
  slow = json_test_parse_object (json, length);
  if (slow == NULL)
    g_error ("the light reader took “%s”, which json-glib refuses", json);
  if (!json_test_objects_identical (fast, slow))
    g_error ("the light reader reads “%s” differently from json-glib", json);
  return TRUE;
}

static void
assert_taken (const char *json)
{
  if (!check_same (json, -1))
    g_error ("the light reader declined “%s”", json);
}

static void
assert_declined (const char *json)
{
  g_autoptr(JsonObject) fast = _cairn_event_args_scan (json, -1);

  if (fast != NULL)
    g_error ("the light reader took “%s”, which it must leave to json-glib", json);
}

/* The args of every event kind, written as the store writes them. */
static void
test_every_kind (void)
{
  gsize n;
  const CairnEventSpec *catalogue = _cairn_event_get_catalogue (&n);
  g_autofree char *ops_b64 = test_text_ops_b64 ();
  const char *titles[] = {
    "Buy milk", "Crème brûlée ☕ 漢字 😀", "say \"hi\"", "back\\slash", "a/b",
    "tab\there", "line\nbreak", "del\x7f", "bell\x01", " padded ",
  };

  for (gsize i = 0; i < n; i++)
    for (gsize t = 0; t < G_N_ELEMENTS (titles); t++)
      {
        g_autoptr(JsonObject) args = json_object_new ();
        g_autoptr(CairnEvent) event = NULL;
        g_autofree char *json = NULL;

        for (guint f = 0; f < CAIRN_EVENT_MAX_FIELDS && catalogue[i].fields[f].name; f++)
          {
            const char *value = NULL;

            switch (catalogue[i].fields[f].kind)
              {
              case CAIRN_FIELD_ID: value = "01890a5d-ac96-774b-bcce-b302099a8057"; break;
              case CAIRN_FIELD_TITLE: value = titles[t]; break;
              case CAIRN_FIELD_POSITION: value = "VV1z"; break;
              case CAIRN_FIELD_DATE: value = "2024-02-29"; break;
              case CAIRN_FIELD_TEXT_OPS: value = ops_b64; break;
              case CAIRN_FIELD_TAG_NAME: value = titles[t]; break;
              case CAIRN_FIELD_COLOR: value = "blue"; break;
              case CAIRN_FIELD_PRIORITY: value = "low"; break;
              case CAIRN_FIELD_TIME: value = "17:30"; break;
              case CAIRN_FIELD_MOMENT: value = "2026-12-07T09:00+01:00"; break;
              case CAIRN_FIELD_REPEAT: value = "weekly:mon,wed/2"; break;
              default: g_assert_not_reached ();
              }
            json_object_set_string_member (args, catalogue[i].fields[f].name, value);
          }
        event = cairn_event_new (catalogue[i].name, catalogue[i].version, args);
        json = cairn_event_dup_args_json (event);
        /* everything the store writes today is taken */
        assert_taken (json);
      }
}

static void
test_values (void)
{
  assert_taken ("{}");
  assert_taken ("{\"a\":\"\"}");
  assert_taken ("{\"b\":\"x\",\"a\":\"y\"}");   /* order kept, not sorted */
  assert_taken ("{\"n\":0,\"m\":-1,\"k\":123456789012345678,\"j\":-123456789012345678}");
  assert_taken ("{\"t\":true,\"f\":false,\"z\":null}");
  assert_taken ("{\"a\":\"x\",\"b\":1,\"c\":true,\"d\":null,\"e\":\"\"}");

  /* only integers that surely fit, written the one way */
  assert_declined ("{\"n\":1234567890123456789}");
  assert_declined ("{\"n\":-98765432109876543210987654321}");
  assert_declined ("{\"n\":01}");
  assert_declined ("{\"n\":-0}");
  assert_declined ("{\"n\":1.5}");
  assert_declined ("{\"n\":1e3}");
  assert_declined ("{\"n\":-}");
  /* nested values */
  assert_declined ("{\"a\":{}}");
  assert_declined ("{\"a\":[1]}");
}

static void
test_escapes (void)
{
  assert_taken ("{\"a\":\"q\\\"b\\\\s\\/n\\nr\\rt\\tb\\bf\\f\"}");
  assert_taken ("{\"a\":\"\\u00e9\\u00E9\\u20ac\\u007f\\u0001\\uffff\"}");
  assert_taken ("{\"a\\n\\u00e9\":\"key with escapes\"}");
  assert_taken ("{\"a\":\"Crème ☕ 😀\"}");

  /* NUL and UTF-16 surrogates: json-glib's business */
  assert_declined ("{\"a\":\"\\u0000\"}");
  assert_declined ("{\"a\":\"\\ud83d\\ude00\"}");
  assert_declined ("{\"a\":\"\\udc00\"}");
  /* not escapes */
  assert_declined ("{\"a\":\"\\x41\"}");
  assert_declined ("{\"a\":\"\\u12\"}");
  assert_declined ("{\"a\":\"\\u12g4\"}");
  assert_declined ("{\"a\":\"\\\"}");
  /* raw control characters and DEL */
  assert_declined ("{\"a\":\"tab\there\"}");
  assert_declined ("{\"a\":\"del\x7f\"}");
}

static void
test_bad_input (void)
{
  const char *bad[] = {
    "", "{", "}", "[]", "\"a\"", "1", "null", "{\"a\"}", "{\"a\":}", "{\"a\":\"b\"",
    "{\"a\":\"b\",}", "{,}", "{\"a\":\"b\"}x", "{\"a\":\"b\"}}", "{\"a\" :\"b\"}",
    "{ \"a\":\"b\"}", "{\"a\":\"b\" }", "{\"a\":tru}", "{\"a\":truex}", "{\"a\":nul}",
    "{\"a\":\"b\"\"c\":1}", "{a:\"b\"}", "{'a':'b'}", "{\"\":\"b\"}",
    "{\"a\":\"b\",\"a\":\"c\"}", "{\"a\":\"\xc3\x28\"}", "{\"a\":\"\xff\"}",
    "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"open", "{\"a\":\"x\"\n}",
    /* invalid UTF-8 next to escapes, in a name, outside strings */
    "{\"a\":\"\xc3\\u00a9\"}", "{\"a\":\"\\u00e9\xa9\"}", "{\"a\":\"\xe2\x82\\n\"}",
    "{\"\xff\":1}", "{\"a\":1\xc3\xa9}", "\xef\xbb\xbf{\"a\":1}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_declined (bad[i]);
  /* the length is respected: the text stops before the closing brace */
  g_assert_null (_cairn_event_args_scan ("{\"a\":\"b\"}", 8));
  g_assert_true (check_same ("{\"a\":\"b\"}junk", 9));
}

/* The store reads its args through the light reader, and a damaged row
 * still gives json-glib's clear error and changes nothing. */
static void
test_store_damaged (void)
{
  g_autoptr(TestStore) ts = test_store_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CairnEvent) create = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) cairn_event_unref);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  const char *client = "0123456789abcdef0123456789abcdef";

  g_ptr_array_add (batch, test_event_new (client, 1, 1, "list.created",
                                          "{\"list_id\":\"01890a5d-ac96-774b-bcce-b302099a8057\","
                                          "\"title\":\"Caf\\u00e9 \\\"x\\\"\",\"position\":\"V\"}"));
  g_assert_true (cairn_store_rebase (ts->store, batch, NULL, &error));
  g_assert_no_error (error);
  before = test_dump (ts->store);
  g_assert_nonnull (strstr (before, "Café \\\"x\\\""));

  g_assert_true (cairn_store_rebuild (ts->store, &error));
  g_assert_no_error (error);
  after = test_dump (ts->store);
  g_assert_cmpstr (before, ==, after);

  g_assert_cmpint (sqlite3_exec (ts->store->db, "UPDATE log SET args = '{\"list_id\":' WHERE seq = 1",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_false (cairn_store_rebuild (ts->store, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "damaged"));
  g_assert_cmpint (test_query_int (ts->store, "PRAGMA temp_store"), ==, 0);
  g_assert_nonnull (strstr (error->message, ts->dir));
  g_clear_error (&error);
  g_clear_pointer (&after, g_free);
  after = test_dump (ts->store);
  g_assert_cmpstr (before, ==, after);

  g_assert_cmpint (sqlite3_exec (ts->store->db, "UPDATE log SET args = '[1]' WHERE seq = 1",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_false (cairn_store_rebuild (ts->store, &error));
  g_assert_error (error, CAIRN_STORE_ERROR, CAIRN_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "not an object"));
  g_clear_pointer (&after, g_free);
  after = test_dump (ts->store);
  g_assert_cmpstr (before, ==, after);
}

/* Validation of scanned args gives cairn_event_validate()'s verdict and
 * message on the same text, for every event kind: valid, a field missing,
 * of another type, with a bad value, an unexpected field. */
static void
check_validate_same (const char *name,
                     guint       version,
                     const char *json)
{
  g_auto(CairnFlatArgs) flat = { 0 };
  g_autoptr(JsonObject) object = json_test_parse_object (json, -1);
  g_autoptr(CairnEvent) event = NULL;
  g_autoptr(GError) error_flat = NULL;
  g_autoptr(GError) error_event = NULL;
  gboolean ok_flat, ok_event;

  if (object == NULL)
    g_error ("json-glib refused “%s”", json);
  if (!_cairn_flat_args_scan (&flat, json, -1))
    g_error ("the light reader declined “%s”", json);
  event = cairn_event_new (name, version, object);
  ok_flat = _cairn_event_validate_flat (name, version, &flat, &error_flat);
  ok_event = cairn_event_validate (event, &error_event);
  g_assert_cmpint (ok_flat, ==, ok_event);
  if (!ok_event)
    {
      g_assert_true (g_error_matches (error_flat, error_event->domain, error_event->code));
      g_assert_cmpstr (error_flat->message, ==, error_event->message);
    }
}

static void
test_validate (void)
{
  gsize n;
  const CairnEventSpec *catalogue = _cairn_event_get_catalogue (&n);
  g_autofree char *ops_b64 = test_text_ops_b64 ();
  g_autofree char *long_title = g_strnfill (501, 'x');
  const char *others[] = {
    "1", "true", "null", "\"\"", "\"bad value\"", "\"x\\u0001\"", "\" padded\"",
    "\"01890A5D-AC96-774B-BCCE-B302099A8057\"", "\"2023-02-29\"", "\"V0\"", "\"!!\"",
    NULL,
  };
  guint n_checked = 0;

  for (gsize i = 0; i < n; i++)
    {
      const CairnEventSpec *spec = &catalogue[i];
      g_autoptr(GPtrArray) good = g_ptr_array_new_with_free_func (g_free);
      guint n_fields = 0;

      for (; n_fields < CAIRN_EVENT_MAX_FIELDS && spec->fields[n_fields].name; n_fields++)
        {
          const char *value = NULL;

          switch (spec->fields[n_fields].kind)
            {
            case CAIRN_FIELD_ID: value = "01890a5d-ac96-774b-bcce-b302099a8057"; break;
            case CAIRN_FIELD_TITLE: value = "Buy milk"; break;
            case CAIRN_FIELD_POSITION: value = "VV1z"; break;
            case CAIRN_FIELD_DATE: value = "2024-02-29"; break;
            case CAIRN_FIELD_TEXT_OPS: value = ops_b64; break;
            case CAIRN_FIELD_TAG_NAME: value = "Work"; break;
            case CAIRN_FIELD_COLOR: value = "red"; break;
            case CAIRN_FIELD_PRIORITY: value = "medium"; break;
            case CAIRN_FIELD_TIME: value = "17:30"; break;
            case CAIRN_FIELD_MOMENT: value = "2026-12-07T09:00+01:00"; break;
            case CAIRN_FIELD_REPEAT: value = "weekly:mon,wed/2"; break;
            default: g_assert_not_reached ();
            }
          g_ptr_array_add (good, g_strdup_printf ("\"%s\"", value));
        }

      /* variant -1: as is; then field f left out (skip), or given each
       * other value (o), or an unexpected member before or after */
      for (int f = -1; f < (int) n_fields; f++)
        for (int o = -2; o < (int) G_N_ELEMENTS (others) - 1; o++)
          {
            GString *json = g_string_new ("{");

            if (f == -1 && o == -2)
              g_string_append (json, "\"zzz\":\"x\"");
            for (guint k = 0; k < n_fields; k++)
              {
                const char *value = good->pdata[k];

                if ((int) k == f && o == -2)
                  continue;   /* left out */
                if ((int) k == f && o >= 0)
                  value = others[o];
                if ((int) k == f && o == -1 && spec->fields[k].kind == CAIRN_FIELD_TITLE)
                  value = NULL;
                if (json->len > 1)
                  g_string_append_c (json, ',');
                if (value != NULL)
                  g_string_append_printf (json, "\"%s\":%s", spec->fields[k].name, value);
                else
                  g_string_append_printf (json, "\"%s\":\"%s\"", spec->fields[k].name, long_title);
              }
            if (f == -1 && o == -1)
              g_string_append_printf (json, "%s\"extra\":1", json->len > 1 ? "," : "");
            g_string_append_c (json, '}');
            check_validate_same (spec->name, spec->version, json->str);
            /* and as an unknown version */
            if (f == -1 && o == -1)
              check_validate_same (spec->name, spec->version + 1, json->str);
            g_string_free (json, TRUE);
            n_checked++;
          }
    }
  check_validate_same ("todo.exploded", 1, "{}");
  g_assert_cmpuint (n_checked, >, 19 * 13);
}

/* Random flat objects, written by json-glib's generator, then randomly
 * damaged: whatever the light reader takes, json-glib reads identically;
 * and it takes every undamaged object of its subset. */
static const char *const pieces[] = {
  "a", "Z", "0", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", "\x01", "\x1f",
  "\x7f", "é", "€", "漢", "😀", "\xef\xbf\xbf", "{", "}", ":", ",", "[", "null", "u",
};

static char *
random_text (GRand *rand)
{
  GString *s = g_string_new (NULL);
  guint n = g_rand_int_range (rand, 0, 8);

  for (guint i = 0; i < n; i++)
    g_string_append (s, pieces[g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces))]);
  return g_string_free (s, FALSE);
}

static void
test_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (test_seed ());
  guint taken = 0, damaged_taken = 0;

  for (guint round = 0; round < 20000; round++)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *json = NULL;
      gboolean in_subset = TRUE;
      guint n = g_rand_int_range (rand, 0, 6);

      for (guint i = 0; i < n; i++)
        {
          g_autofree char *name = random_text (rand);
          g_autofree char *text = NULL;

          if (*name == '\0' || json_object_has_member (object, name))
            continue;
          switch (g_rand_int_range (rand, 0, 7))
            {
            case 0:
            case 1:
              text = random_text (rand);
              json_object_set_string_member (object, name, text);
              break;
            case 2:
              json_object_set_int_member (object, name,
                                          g_rand_boolean (rand) ? g_rand_int_range (rand, -1000, 1000) :
                                          (gint64) g_rand_double_range (rand, -1e18, 1e18));
              break;
            case 3:
              json_object_set_boolean_member (object, name, g_rand_boolean (rand));
              break;
            case 4:
              json_object_set_null_member (object, name);
              break;
            case 5:
              json_object_set_double_member (object, name, g_rand_double_range (rand, -10, 10));
              in_subset = FALSE;
              break;
            default:
              json_object_set_array_member (object, name, json_array_new ());
              in_subset = FALSE;
              break;
            }
        }
      json_node_set_object (node, object);
      json = json_to_string (node, FALSE);

      if (check_same (json, -1))
        taken++;
      else if (in_subset)
        {
          /* Declined although in the subset: only allowed for what the
           * generator writes raw and the reader leaves to json-glib. */
          for (const guchar *p = (const guchar *) json; *p != '\0'; p++)
            if (*p < 0x20 || *p == 0x7f)
              in_subset = FALSE;
          if (in_subset)
            g_error ("the light reader declined “%s”, written by json-glib", json);
        }

      /* damage it: drop, insert or replace a byte, a few times */
      for (guint d = 0; d < 4; d++)
        {
          g_autofree char *damaged = g_strdup (json);
          gsize len = strlen (damaged);
          gsize at = g_rand_int_range (rand, 0, (gint32) len + 1);
          static const char bytes[] = "\"\\{}:,0-9 tfnu\x80\xc3";
          char byte = bytes[g_rand_int_range (rand, 0, sizeof bytes - 1)];
          GString *s = g_string_new (damaged);

          switch (g_rand_int_range (rand, 0, 3))
            {
            case 0:
              if (at < len)
                g_string_erase (s, at, 1);
              break;
            case 1:
              g_string_insert_c (s, at, byte);
              break;
            default:
              if (at < len)
                s->str[at] = byte;
              break;
            }
          g_free (damaged);
          damaged = g_string_free (s, FALSE);
          if (check_same (damaged, -1))
            damaged_taken++;
        }
    }
  g_test_message ("taken: %u of 20000 objects, %u of 80000 damaged texts", taken, damaged_taken);
  /* the subset is most of what was generated: the test did exercise it */
  g_assert_cmpuint (taken, >, 5000);
  g_assert_cmpuint (damaged_taken, >, 1000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/event-args/every-kind", test_every_kind);
  g_test_add_func ("/event-args/values", test_values);
  g_test_add_func ("/event-args/escapes", test_escapes);
  g_test_add_func ("/event-args/bad-input", test_bad_input);
  g_test_add_func ("/event-args/validate", test_validate);
  g_test_add_func ("/event-args/store-damaged", test_store_damaged);
  g_test_add_func ("/event-args/random", test_random);
  return g_test_run ();
}
