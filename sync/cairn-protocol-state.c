/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-protocol-state.c: the state report (a device's hash of its
 * confirmed state at a seq) and the server's verdict on it. */
#include "config.h"

#include <string.h>

#include "cairn-protocol.h"
#include "cairn-protocol-private.h"

static const char * const verdict_names[] = {
  [CAIRN_STATE_VERDICT_UNKNOWN] = "unknown",
  [CAIRN_STATE_VERDICT_AGREES] = "agrees",
  [CAIRN_STATE_VERDICT_DIVERGED] = "diverged",
};

static gboolean
is_lower_hex (const char *str,
              gsize       length)
{
  if (str == NULL || strlen (str) != length)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isdigit (str[i]) && !(str[i] >= 'a' && str[i] <= 'f'))
      return FALSE;
  return TRUE;
}

void
cairn_state_report_free (CairnStateReport *self)
{
  if (self == NULL)
    return;
  g_free (self->chain);
  g_free (self->format);
  g_free (self->hash);
  g_free (self);
}

JsonNode *
cairn_protocol_encode_state_report (const CairnStateReport *report)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (report != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "seq");
  json_builder_add_int_value (b, report->seq);
  if (report->chain != NULL)
    {
      json_builder_set_member_name (b, "chain");
      json_builder_add_string_value (b, report->chain);
    }
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, report->format);
  json_builder_set_member_name (b, "hash");
  json_builder_add_string_value (b, report->hash);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

CairnStateReport *
cairn_protocol_decode_state_report (JsonNode  *node,
                                    GError   **error)
{
  static const char * const fields[] = { "seq", "chain", "format", "hash", NULL };
  static const char where[] = "state report";
  g_autoptr(CairnStateReport) report = g_new0 (CairnStateReport, 1);
  const char *chain = NULL, *format, *hash;
  JsonObject *obj;

  if (!(obj = _cairn_protocol_want_object (node, where, error)) ||
      !_cairn_protocol_only_fields (obj, fields, where, error) ||
      !_cairn_protocol_get_int (obj, "seq", where, TRUE, 1, CAIRN_PROTOCOL_MAX_INT,
                                &report->seq, error) ||
      !_cairn_protocol_get_string (obj, "chain", where, FALSE, &chain, error) ||
      !_cairn_protocol_get_string (obj, "format", where, TRUE, &format, error) ||
      !_cairn_protocol_get_string (obj, "hash", where, TRUE, &hash, error))
    return NULL;
  if (chain != NULL && !is_lower_hex (chain, 32))
    {
      _cairn_protocol_invalid (error, where, "chain", "must be 32 lowercase hex digits");
      return NULL;
    }
  if (!is_lower_hex (format, CAIRN_PROTOCOL_STATE_FORMAT_LENGTH))
    {
      _cairn_protocol_invalid (error, where, "format", "must be 8 lowercase hex digits");
      return NULL;
    }
  if (!is_lower_hex (hash, CAIRN_PROTOCOL_STATE_HASH_LENGTH))
    {
      _cairn_protocol_invalid (error, where, "hash", "must be 64 lowercase hex digits");
      return NULL;
    }
  report->chain = g_strdup (chain);
  report->format = g_strdup (format);
  report->hash = g_strdup (hash);
  return g_steal_pointer (&report);
}

void
cairn_state_verdict_free (CairnStateVerdict *self)
{
  if (self == NULL)
    return;
  g_free (self->hash);
  g_free (self);
}

JsonNode *
cairn_protocol_encode_state_verdict (const CairnStateVerdict *verdict)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (verdict != NULL, NULL);
  g_return_val_if_fail ((guint) verdict->verdict < G_N_ELEMENTS (verdict_names), NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "seq");
  json_builder_add_int_value (b, verdict->seq);
  json_builder_set_member_name (b, "verdict");
  json_builder_add_string_value (b, verdict_names[verdict->verdict]);
  json_builder_set_member_name (b, "devices");
  json_builder_add_int_value (b, verdict->devices);
  if (verdict->hash != NULL)
    {
      json_builder_set_member_name (b, "hash");
      json_builder_add_string_value (b, verdict->hash);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

CairnStateVerdict *
cairn_protocol_decode_state_verdict (JsonNode  *node,
                                     GError   **error)
{
  static const char where[] = "state answer";
  g_autoptr(CairnStateVerdict) verdict = g_new0 (CairnStateVerdict, 1);
  const char *name, *hash = NULL;
  JsonObject *obj;

  if (!(obj = _cairn_protocol_want_object (node, where, error)) ||
      !_cairn_protocol_get_int (obj, "seq", where, TRUE, 1, CAIRN_PROTOCOL_MAX_INT,
                                &verdict->seq, error) ||
      !_cairn_protocol_get_string (obj, "verdict", where, TRUE, &name, error) ||
      !_cairn_protocol_get_int (obj, "devices", where, TRUE, 0, CAIRN_PROTOCOL_MAX_INT,
                                &verdict->devices, error) ||
      !_cairn_protocol_get_string (obj, "hash", where, FALSE, &hash, error))
    return NULL;
  verdict->verdict = CAIRN_STATE_VERDICT_UNKNOWN;
  for (guint i = 0; i < G_N_ELEMENTS (verdict_names); i++)
    if (strcmp (name, verdict_names[i]) == 0)
      verdict->verdict = i;
  if (hash != NULL && !is_lower_hex (hash, CAIRN_PROTOCOL_STATE_HASH_LENGTH))
    {
      _cairn_protocol_invalid (error, where, "hash", "must be 64 lowercase hex digits");
      return NULL;
    }
  /* A diverged verdict names the hash to reach; without it the device
   * could not tell whether a rebuild repaired it. */
  if (verdict->verdict == CAIRN_STATE_VERDICT_DIVERGED && hash == NULL)
    {
      _cairn_protocol_invalid (error, where, "hash", "is required with \"diverged\"");
      return NULL;
    }
  verdict->hash = g_strdup (hash);
  return g_steal_pointer (&verdict);
}
