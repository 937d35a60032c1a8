/* SPDX-License-Identifier: GPL-3.0-or-later */
/* json-test-util.c: event args as json-glib reads them, compared strictly. */
#include "config.h"

#include <string.h>

#include "json-test-util.h"

JsonObject *
json_test_parse_object (const char *json,
                        gssize      length)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, json, length, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_object_ref (json_node_get_object (root));
}

gboolean
json_test_objects_identical (JsonObject *a,
                             JsonObject *b)
{
  g_autoptr(GList) ma = json_object_get_members (a);
  g_autoptr(GList) mb = json_object_get_members (b);
  const GList *la, *lb;

  if (json_object_is_immutable (a) != json_object_is_immutable (b))
    return FALSE;
  for (la = ma, lb = mb; la != NULL && lb != NULL; la = la->next, lb = lb->next)
    {
      JsonNode *na = json_object_get_member (a, la->data);
      JsonNode *nb = json_object_get_member (b, lb->data);

      if (strcmp (la->data, lb->data) != 0 ||
          json_node_get_node_type (na) != json_node_get_node_type (nb) ||
          json_node_is_immutable (na) != json_node_is_immutable (nb))
        return FALSE;
      if (JSON_NODE_HOLDS_NULL (na))
        continue;
      if (!JSON_NODE_HOLDS_VALUE (na) ||
          json_node_get_value_type (na) != json_node_get_value_type (nb))
        return FALSE;
      switch (json_node_get_value_type (na))
        {
        case G_TYPE_STRING:
          if (strcmp (json_node_get_string (na), json_node_get_string (nb)) != 0)
            return FALSE;
          break;
        case G_TYPE_INT64:
          if (json_node_get_int (na) != json_node_get_int (nb))
            return FALSE;
          break;
        case G_TYPE_BOOLEAN:
          if (json_node_get_boolean (na) != json_node_get_boolean (nb))
            return FALSE;
          break;
        default:
          return FALSE;
        }
    }
  return la == NULL && lb == NULL;
}
