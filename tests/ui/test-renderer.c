/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-renderer.c: the renderer windows draw with. When OpenGL renders in
 * software, cairn_ui_init() has GTK use cairo; GSK_RENDERER set by the user
 * wins. Registered three times, as GTK reads GSK_RENDERER once per process:
 * without it, without it as the app calls cairn_ui_init() (once before GTK
 * opens the display, CAIRN_TEST_APP_ORDER=1, and once after), and with
 * GSK_RENDERER=gl. */
#include "config.h"

#include <epoxy/gl.h>

#include "cairn-ui.h"
#include "cairn-ui-test.h"

/* Set before cairn_ui_init(), which may change it. */
static char *renderer_asked;

static void
test_software_gl_names (void)
{
  g_assert_true (cairn_ui_is_software_gl ("llvmpipe (LLVM 15.0.6, 256 bits)"));
  g_assert_true (cairn_ui_is_software_gl ("softpipe"));
  g_assert_true (cairn_ui_is_software_gl ("Software Rasterizer"));
  /* GPU drivers, one of which is compiled with LLVM too */
  g_assert_false (cairn_ui_is_software_gl ("Mesa Intel(R) UHD Graphics 620 (KBL GT2)"));
  g_assert_false (cairn_ui_is_software_gl ("AMD Radeon RX 6600 (navi23, LLVM 15.0.6, DRM 3.49, 6.1.0-13-amd64)"));
  g_assert_false (cairn_ui_is_software_gl ("NVIDIA GeForce GTX 1060 6GB/PCIe/SSE2"));
  g_assert_false (cairn_ui_is_software_gl (""));
  g_assert_false (cairn_ui_is_software_gl (NULL));
}

/* What this display's OpenGL is, asked independently of cairn-ui.c:
 * NULL when there is none. */
static char *
display_gl_renderer (void)
{
  g_autoptr(GdkGLContext) context = NULL;
  char *name;

  context = gdk_display_create_gl_context (gdk_display_get_default (), NULL);
  if (context == NULL || !gdk_gl_context_realize (context, NULL))
    return NULL;
  gdk_gl_context_make_current (context);
  name = g_strdup ((const char *) glGetString (GL_RENDERER));
  gdk_gl_context_clear_current ();
  return name;
}

static gboolean
is_realized (gpointer data)
{
  return gtk_widget_get_realized (data);
}

static void
test_window_renderer (void)
{
  g_autofree char *gl = display_gl_renderer ();
  GtkWidget *window = gtk_window_new ();
  const char *expected;
  const char *got;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (cairn_test_wait_until (is_realized, window));
  got = G_OBJECT_TYPE_NAME (gtk_native_get_renderer (GTK_NATIVE (window)));

  if (renderer_asked != NULL && g_str_equal (renderer_asked, "gl"))
    {
      if (gl == NULL)
        {
          gtk_window_destroy (GTK_WINDOW (window));
          g_test_skip ("no OpenGL on this display");
          return;
        }
      /* The user's choice stands, even with software OpenGL. */
      expected = "GskGLRenderer";
    }
  else if (gl == NULL || cairn_ui_is_software_gl (gl))
    expected = "GskCairoRenderer";
  else
    expected = "GskGLRenderer";

  g_test_message ("OpenGL: %s; GSK_RENDERER: %s; renderer: %s",
                  gl != NULL ? gl : "none", renderer_asked != NULL ? renderer_asked : "unset", got);
  g_assert_cmpstr (got, ==, expected);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  renderer_asked = g_strdup (g_getenv ("GSK_RENDERER"));
  /* CairnApplication's startup: before chaining up, then after. */
  if (g_getenv ("CAIRN_TEST_APP_ORDER") != NULL)
    cairn_ui_init ();
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  cairn_ui_init ();

  g_test_add_func ("/renderer/software-gl-names", test_software_gl_names);
  g_test_add_func ("/renderer/window", test_window_renderer);

  return g_test_run ();
}
