/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-event-args.c: event args, read by the flat scanner and by
 * json-glib, validated both ways.
 *
 * Input: one byte that picks the event (a row of the catalogue, or with
 * the high bit an unknown version of it), then the args as JSON text.
 * When the flat scanner (data/cairn-event-args.c) takes the text, json-glib
 * must read the identical object, and _cairn_event_validate_flat() must
 * give cairn_event_validate()'s verdict with the same message. Whatever
 * json-glib reads as an object must validate without crashing, and a valid
 * event must survive the store's round trip (dup_args_json, then
 * new_from_args_json) unchanged.
 */
#include "config.h"

#include <string.h>

#include "cairn-event-private.h"
#include "fuzz-common.h"
#include "../data/json-test-util.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  cairn_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  gsize n_specs;
  const CairnEventSpec *catalogue = _cairn_event_get_catalogue (&n_specs);
  const CairnEventSpec *spec;
  const char *json;
  gsize len;
  guint version;
  g_auto(CairnFlatArgs) flat = { 0 };
  gboolean taken;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  if (size < 1)
    return -1;
  spec = &catalogue[(data[0] & 0x7f) % n_specs];
  version = spec->version + (data[0] & 0x80 ? 1 : 0);
  json = (const char *) data + 1;
  len = size - 1;

  /* The store's reader of stored args: whatever the text, an event or an
   * error (it guards json-glib itself). */
  if (memchr (json, '\0', len) == NULL)
    {
      g_autofree char *text = g_strndup (json, len);
      g_autoptr(CairnEvent) stored = cairn_event_new_from_args_json (spec->name, version, text, &error);

      g_assert_true ((stored == NULL) != (error == NULL));
      if (stored != NULL)
        cairn_event_validate (stored, NULL);
      g_clear_error (&error);
    }

  /* Below, the harness hands the text to json-glib itself, which recurses
   * without limit (fuzz-common.h). */
  if (cairn_fuzz_too_deep (json, len))
    return 0;

  _cairn_flat_args_init (&flat);
  taken = _cairn_flat_args_scan (&flat, json, len);
  object = json_test_parse_object (json, len);
  if (taken)
    {
      g_autoptr(JsonObject) scanned = _cairn_flat_args_to_object (&flat);
      g_autoptr(JsonObject) direct = _cairn_event_args_scan (json, len);
      g_autoptr(GError) flat_error = NULL;
      g_autoptr(CairnEvent) event = NULL;
      gboolean flat_ok, ok;

      if (object == NULL)
        g_error ("the flat scanner took args that json-glib refuses");
      g_assert_true (json_test_objects_identical (scanned, object));
      g_assert_nonnull (direct);
      g_assert_true (json_test_objects_identical (direct, object));

      event = cairn_event_new (spec->name, version, object);
      flat_ok = _cairn_event_validate_flat (spec->name, version, &flat, &flat_error);
      ok = cairn_event_validate (event, &error);
      g_assert_cmpint (flat_ok, ==, ok);
      if (!ok)
        {
          g_assert_cmpint (flat_error->code, ==, error->code);
          g_assert_cmpstr (flat_error->message, ==, error->message);
        }
      g_clear_error (&error);
    }
  else
    g_assert_null (_cairn_event_args_scan (json, len));

  if (object != NULL)
    {
      g_autoptr(CairnEvent) event = cairn_event_new (spec->name, version, object);

      if (cairn_event_validate (event, &error))
        {
          /* What the store writes it reads back the same. */
          g_autofree char *stored = cairn_event_dup_args_json (event);
          g_autoptr(CairnEvent) back = cairn_event_new_from_args_json (spec->name, version, stored, &error);
          g_autoptr(CairnEvent) current = cairn_event_upcast (event);
          g_autoptr(JsonNode) a = json_node_init_object (json_node_alloc (), event->args);
          g_autoptr(JsonNode) b = NULL;

          g_assert_no_error (error);
          b = json_node_init_object (json_node_alloc (), back->args);
          g_assert_true (json_node_equal (a, b));
          g_assert_true (cairn_event_validate (back, &error));
          g_assert_no_error (error);
          g_assert_nonnull (current);
        }
      else
        {
          g_assert_nonnull (error);
          g_assert_true (g_utf8_validate (error->message, -1, NULL));
        }
    }
  return 0;
}
