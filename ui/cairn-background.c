/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-background.c: the autostart entry or the Background portal. */
#define G_LOG_DOMAIN "cairn-background"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "cairn-background.h"

#define AUTOSTART_ENTRY \
  "[Desktop Entry]\n" \
  "Type=Application\n" \
  "Name=Cairn\n" \
  "Comment=Rings the reminders of your tasks\n" \
  "Icon=" APP_ID "\n" \
  "Exec=cairn --background\n" \
  "NoDisplay=true\n" \
  "X-GNOME-Autostart-enabled=true\n" \
  "X-GNOME-UsesNotifications=true\n"

gboolean
cairn_background_is_sandboxed (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

char *
cairn_background_dup_autostart_path (void)
{
  g_autofree char *name = g_strconcat (APP_ID, ".desktop", NULL);

  return g_build_filename (g_get_user_config_dir (), "autostart", name, NULL);
}

static void
on_portal_requested (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_warning ("The Background portal did not answer: %s", error->message);
}

/* The portal answers through a Request object's ::Response, after asking
 * the person perhaps; nothing here depends on the answer, so only the
 * call's failure is logged. */
static gboolean
request_background (gboolean   wanted,
                    GError   **error)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
  static const char *commandline[] = { "cairn", "--background", NULL };
  GVariantBuilder options;

  if (bus == NULL)
    return FALSE;
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Cairn rings the reminders of your tasks")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (wanted));
  g_variant_builder_add (&options, "{sv}", "commandline",
                         g_variant_new_strv (commandline, -1));
  g_variant_builder_add (&options, "{sv}", "dbus-activatable", g_variant_new_boolean (FALSE));
  g_dbus_connection_call (bus, "org.freedesktop.portal.Desktop",
                          "/org/freedesktop/portal/desktop",
                          "org.freedesktop.portal.Background", "RequestBackground",
                          g_variant_new ("(sa{sv})", "", &options),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          NULL, on_portal_requested, NULL);
  return TRUE;
}

gboolean
cairn_background_set_autostart (gboolean   wanted,
                                GError   **error)
{
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *current = NULL;

  if (cairn_background_is_sandboxed ())
    return request_background (wanted, error);

  path = cairn_background_dup_autostart_path ();
  if (!wanted)
    {
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Cannot remove %s: %s", path, g_strerror (saved));
          return FALSE;
        }
      return TRUE;
    }

  /* Written only when it differs: this runs after every change. */
  if (g_file_get_contents (path, &current, NULL, NULL)
      && g_strcmp0 (current, AUTOSTART_ENTRY) == 0)
    return TRUE;
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  return g_file_set_contents (path, AUTOSTART_ENTRY, -1, error);
}
