/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-ui.c: one-time set-up of the UI library (resources, renderer). */
#define G_LOG_DOMAIN "cairn-ui"

#include "config.h"

#include <epoxy/gl.h>
#include <string.h>

#include "cairn-ui.h"
#include "cairn-event.h"
#include "cairn-resources.h"

/* Whether an OpenGL renderer string names a software rasteriser (Mesa's
 * llvmpipe or softpipe, or its older "Software Rasterizer"). */
gboolean
cairn_ui_is_software_gl (const char *renderer)
{
  g_autofree char *lower = NULL;

  if (renderer == NULL)
    return FALSE;
  lower = g_ascii_strdown (renderer, -1);
  return strstr (lower, "llvmpipe") != NULL || strstr (lower, "softpipe") != NULL ||
         strstr (lower, "software rasterizer") != NULL;
}

/* GTK 4.8 draws with OpenGL wherever it can, but when OpenGL itself runs on
 * the CPU (no GPU driver: virtual machines, remote desktops, Xvfb) its GL
 * renderer costs some 60 MB more memory and a slower first frame than the
 * cairo renderer, for nothing the user can see. So the GL renderer in use
 * is asked for its name once, before the first window, and a software one
 * gives way to cairo. GSK_RENDERER set by the user always wins. */
static void
choose_renderer (void)
{
  GdkDisplay *display = gdk_display_get_default ();
  g_autoptr(GdkGLContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *renderer = NULL;
  const char *chosen = g_getenv ("GSK_RENDERER");

  if ((chosen != NULL && chosen[0] != '\0') || display == NULL)
    return;

  context = gdk_display_create_gl_context (display, &error);
  if (context == NULL || !gdk_gl_context_realize (context, &error))
    {
      /* GTK falls back to cairo by itself. */
      g_debug ("No OpenGL on this display: %s", error->message);
      return;
    }
  gdk_gl_context_make_current (context);
  renderer = g_strdup ((const char *) glGetString (GL_RENDERER));
  gdk_gl_context_clear_current ();

  if (cairn_ui_is_software_gl (renderer))
    {
      g_debug ("OpenGL renders in software (%s): drawing with cairo", renderer);
      g_setenv ("GSK_RENDERER", "cairo", TRUE);
    }
  else
    g_debug ("OpenGL renderer: %s", renderer != NULL ? renderer : "(unknown)");
}

void
cairn_ui_init (void)
{
  static gsize initialized = 0;
  static gboolean renderer_chosen = FALSE;

  /* The resource is registered by hand: in a static library nothing would
   * pull in the object file that holds an automatic constructor. */
  if (g_once_init_enter (&initialized))
    {
      cairn_register_resource ();
      g_once_init_leave (&initialized, 1);
    }

  /* Only once GTK has opened the display (GApplication::startup chains up
   * to GtkApplication's for that); only on the main thread. */
  if (!renderer_chosen && gdk_display_get_default () != NULL)
    {
      renderer_chosen = TRUE;
      choose_renderer ();
    }
}

char *
cairn_ui_clean_title (const char *text)
{
  g_autoptr(GString) out = g_string_new (NULL);
  glong n = 0;
  char *end;

  g_return_val_if_fail (text != NULL, NULL);

  if (!g_utf8_validate (text, -1, NULL))
    return g_strdup ("");
  /* Leading white space and controls first, so that the cut counts what
   * is kept. */
  while (*text != '\0' && (g_unichar_isspace (g_utf8_get_char (text)) ||
                            g_unichar_iscntrl (g_utf8_get_char (text))))
    text = g_utf8_next_char (text);
  for (const char *p = text; *p != '\0' && n < CAIRN_TITLE_MAX_CHARS; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      g_string_append_unichar (out, g_unichar_iscntrl (c) ? ' ' : c);
    }
  /* And trailing white space, which the cut may have left. */
  end = out->str + out->len;
  while (end > out->str && g_unichar_isspace (g_utf8_get_char (g_utf8_prev_char (end))))
    end = g_utf8_prev_char (end);
  g_string_truncate (out, end - out->str);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

void
cairn_ui_limit_title_entry (GtkEntry *entry)
{
  g_return_if_fail (GTK_IS_ENTRY (entry));
  gtk_entry_set_max_length (entry, CAIRN_TITLE_MAX_CHARS);
}
