/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-tls-pin.c: see cairn-tls-pin.h. */
#include "config.h"

#include <string.h>

#include "cairn-tls-pin.h"

#define REFUSED_KEY "cairn-tls-refused"
#define ERRORS_KEY  "cairn-tls-refused-errors"

char *
cairn_tls_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);
  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}

char *
cairn_tls_fingerprint_parse (const char *text)
{
  GString *hex;

  if (text == NULL || strspn (text, "0123456789abcdefABCDEF: ") != strlen (text))
    return NULL;
  hex = g_string_sized_new (CAIRN_TLS_FINGERPRINT_LEN);
  for (const char *p = text; *p != '\0'; p++)
    if (g_ascii_isxdigit (*p))
      g_string_append_c (hex, g_ascii_tolower (*p));
  if (hex->len != CAIRN_TLS_FINGERPRINT_LEN)
    {
      g_string_free (hex, TRUE);
      return NULL;
    }
  return g_string_free (hex, FALSE);
}

char *
cairn_tls_fingerprint_display (const char *fingerprint)
{
  GString *out;

  g_return_val_if_fail (fingerprint != NULL, NULL);
  out = g_string_sized_new (CAIRN_TLS_FINGERPRINT_LEN * 3 / 2);
  for (gsize i = 0; fingerprint[i] != '\0'; i++)
    {
      if (i > 0 && i % 2 == 0)
        g_string_append_c (out, ':');
      g_string_append_c (out, g_ascii_toupper (fingerprint[i]));
    }
  return g_string_free (out, FALSE);
}

static gboolean
accept_pinned (GObject              *object,
               GTlsCertificate      *certificate,
               GTlsCertificateFlags  errors,
               gpointer              user_data)
{
  const char *pinned = user_data;
  g_autofree char *fingerprint = cairn_tls_fingerprint (certificate);

  if (fingerprint != NULL && pinned != NULL && strcmp (fingerprint, pinned) == 0)
    return TRUE;
  g_object_set_data_full (object, REFUSED_KEY, g_steal_pointer (&fingerprint), g_free);
  g_object_set_data (object, ERRORS_KEY, GUINT_TO_POINTER (errors));
  return FALSE;
}

void
cairn_tls_pin (GObject    *object,
               const char *pinned)
{
  g_return_if_fail (G_IS_OBJECT (object));
  g_signal_connect_data (object, "accept-certificate", G_CALLBACK (accept_pinned),
                         g_strdup (pinned), (GClosureNotify) G_CALLBACK (g_free), 0);
}

char *
cairn_tls_dup_refused (GObject              *object,
                       GTlsCertificateFlags *out_errors)
{
  g_return_val_if_fail (G_IS_OBJECT (object), NULL);
  if (out_errors != NULL)
    *out_errors = GPOINTER_TO_UINT (g_object_get_data (object, ERRORS_KEY));
  return g_strdup (g_object_get_data (object, REFUSED_KEY));
}

char *
cairn_tls_describe_errors (GTlsCertificateFlags errors)
{
  static const struct { GTlsCertificateFlags flag; const char *text; } reasons[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "it is self-signed or signed by an authority this computer does not know" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "it was made for another name" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "it is not valid yet" },
    { G_TLS_CERTIFICATE_EXPIRED, "it has expired" },
    { G_TLS_CERTIFICATE_REVOKED, "it was revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "it uses an insecure algorithm" },
  };
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    if ((errors & reasons[i].flag) != 0)
      g_string_append_printf (out, "%s%s", out->len > 0 ? "; " : "", reasons[i].text);
  if (out->len == 0)
    g_string_append (out, "it could not be checked");
  return g_string_free (out, FALSE);
}
