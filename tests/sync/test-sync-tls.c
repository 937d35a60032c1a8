/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sync-tls.c: a self-hosted server with a self-signed certificate.
 * The engine refuses it with an error that names the certificate's
 * SHA-256 fingerprint (the one `openssl x509 -fingerprint -sha256` and
 * cairn-server print), signs in once that fingerprint is trusted, and then
 * uses the trusted certificate for everything: requests, a catch-up's
 * pipeline, the live WebSocket, a restart from the profile. Another
 * fingerprint is refused; signing out forgets it. */
#include "config.h"

#include <string.h>

#include "cairn-sync-engine.h"
#include "cairn-sync-engine-test.h"
#include "cairn-test-device.h"
#include "cairn-test-server.h"
#include "cairn-test-util.h"
#include "cairn-tls-pin.h"

#define PASSWORD CAIRN_TEST_DEVICE_PASSWORD

/* The SHA-256 of the certificate's DER bytes, read from the PEM file here
 * (not through GIO), as 64 lower-case hex digits. */
static char *
pem_fingerprint (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pem = NULL;
  g_autofree guchar *der = NULL;
  g_autoptr(GString) body = g_string_new (NULL);
  const char *begin, *end;
  gsize len;

  g_assert_true (g_file_get_contents (path, &pem, NULL, &error));
  g_assert_no_error (error);
  begin = strstr (pem, "-----BEGIN CERTIFICATE-----");
  g_assert_nonnull (begin);
  begin += strlen ("-----BEGIN CERTIFICATE-----");
  end = strstr (begin, "-----END CERTIFICATE-----");
  g_assert_nonnull (end);
  for (const char *p = begin; p < end; p++)
    if (!g_ascii_isspace (*p))
      g_string_append_c (body, *p);
  der = g_base64_decode (body->str, &len);
  g_assert_cmpuint (len, >, 100);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der, len);
}

typedef struct
{
  CairnProfile    *profile;
  CairnSyncEngine *engine;
  CairnStore      *store;
} Device;

static Device *
device_new (const char *dir,
            const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  Device *d = g_new0 (Device, 1);

  d->profile = cairn_profile_open (path, &error);
  g_assert_no_error (error);
  d->engine = cairn_sync_engine_new (d->profile);
  return d;
}

static void
device_free (Device *d)
{
  cairn_sync_engine_stop (d->engine);
  g_clear_object (&d->engine);
  g_clear_object (&d->store);
  g_clear_object (&d->profile);
  g_free (d);
}

/* The profile's current workspace, its store set on the engine. */
static void
device_open_store (Device *d)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ws = cairn_profile_dup_current_workspace (d->profile, &error);

  g_assert_no_error (error);
  d->store = cairn_profile_open_store (d->profile, NULL, &error);
  g_assert_no_error (error);
  cairn_sync_engine_set_store (d->engine, d->store, ws);
}

/* Signs d in as ann, trusting certificate (NULL: only what the system
 * trusts); on success, opens the current workspace's store. */
static gboolean
device_login (Device          *d,
              CairnTestServer *server,
              const char      *certificate,
              GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  cairn_sync_engine_set_login_certificate (d->engine, certificate);
  cairn_sync_engine_login_async (d->engine, server->base, "ann", PASSWORD, "laptop", NULL,
                                 cairn_test_got_result, &result);
  if (!cairn_sync_engine_login_finish (d->engine, cairn_test_wait_result (&result), error))
    return FALSE;
  device_open_store (d);
  return TRUE;
}

static void
device_sync (Device *d)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  cairn_sync_engine_sync_async (d->engine, NULL, cairn_test_got_result, &result);
  g_assert_true (cairn_sync_engine_sync_finish (d->engine, cairn_test_wait_result (&result), &error));
  g_assert_no_error (error);
}

static gboolean
is_up_to_date (gpointer data)
{
  Device *d = data;
  return cairn_sync_status_get_state (cairn_sync_engine_get_status (d->engine))
         == CAIRN_SYNC_STATE_UP_TO_DATE;
}

static gboolean
is_certificate_error (gpointer data)
{
  Device *d = data;
  CairnSyncStatus *status = cairn_sync_engine_get_status (d->engine);

  return cairn_sync_status_get_state (status) == CAIRN_SYNC_STATE_ERROR &&
         cairn_sync_status_get_message (status) != NULL &&
         strstr (cairn_sync_status_get_message (status), "certificate is not trusted") != NULL;
}

static gboolean
nothing_pending (gpointer data)
{
  Device *d = data;
  return cairn_store_get_pending_count (d->store) == 0 && is_up_to_date (d);
}

static gboolean
has_live_list (gpointer data)
{
  Device *d = data;
  g_autofree char *dump = cairn_store_dump_state (d->store, NULL);
  return dump != NULL && strstr (dump, "Live over TLS") != NULL;
}

/* cairn-cli --profile dir/profile ARGS… with the password on stdin;
 * returns its exit status, stdout and stderr. */
static int
cli (const char  *dir,
     const char  *profile,
     const char **args,
     char       **out,
     char       **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, g_build_filename (g_getenv ("CAIRN_BUILD_ROOT"), "app", "cairn-cli", NULL));
  g_ptr_array_add (argv, g_strdup ("--profile"));
  g_ptr_array_add (argv, g_build_filename (dir, profile, NULL));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                            G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, PASSWORD "\n", NULL, out, err, &error);
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (proc);
}

/* cli() that must exit with status and print what to stdout (when not
 * NULL) and what_err to stderr (when not NULL); returns stderr. */
static char *
cli_expect (const char  *dir,
            const char **args,
            int          status,
            const char  *what,
            const char  *what_err)
{
  g_autofree char *out = NULL;
  char *err = NULL;

  g_assert_cmpint (cli (dir, "cli", args, &out, &err), ==, status);
  if (what != NULL)
    g_assert_nonnull (strstr (out, what));
  if (what_err != NULL)
    g_assert_nonnull (strstr (err, what_err));
  return err;
}

static void
assert_certificate_error (const GError *error,
                          const char   *fingerprint)
{
  g_autofree char *shown = cairn_tls_fingerprint_display (fingerprint);

  g_assert_error (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, shown));
  g_assert_nonnull (strstr (error->message, "self-signed"));
}

static void
test_trusted_certificate (void)
{
  CairnTestServer *server = cairn_test_server_new ();
  g_autofree char *dir = g_dir_make_tmp ("cairn-tls-XXXXXX", NULL);
  g_autofree char *cert = NULL, *key = NULL, *other_cert = NULL, *other_key = NULL;
  g_autofree char *fingerprint = NULL, *other = NULL, *refused = NULL, *pinned = NULL;
  g_autofree char *list = NULL, *dump_a = NULL, *dump_b = NULL;
  g_autoptr(GError) error = NULL;
  Device *a, *b;

  if (!cairn_test_make_certificate (server->dir, "server", &cert, &key) ||
      !cairn_test_make_certificate (server->dir, "other", &other_cert, &other_key))
    {
      g_test_skip ("openssl is not installed; cannot make a test certificate");
      cairn_test_server_free (server);
      return;
    }
  fingerprint = pem_fingerprint (cert);
  other = pem_fingerprint (other_cert);
  g_assert_cmpstr (fingerprint, !=, other);
  cairn_test_server_add_user (server, "ann", PASSWORD);
  {
    const char * const args[] = { "--tls-cert", cert, "--tls-key", key, NULL };
    cairn_test_server_start_full (server, NULL, args);
  }
  g_assert_true (g_str_has_prefix (server->base, "https://127.0.0.1:"));

  /* Not trusted: refused, named, nothing saved. */
  a = device_new (dir, "a");
  g_assert_false (device_login (a, server, NULL, &error));
  assert_certificate_error (error, fingerprint);
  refused = cairn_sync_engine_dup_refused_certificate (a->engine);
  g_assert_cmpstr (refused, ==, fingerprint);
  g_assert_false (cairn_sync_engine_is_signed_in (a->engine));
  g_assert_null (cairn_sync_engine_get_certificate (a->engine));
  g_clear_error (&error);

  /* Another certificate trusted: still refused. */
  g_assert_false (device_login (a, server, other, &error));
  assert_certificate_error (error, fingerprint);
  g_assert_false (cairn_sync_engine_is_signed_in (a->engine));
  g_clear_error (&error);

  /* This one, as a person copies it (colons, upper case): signed in, and
   * kept in the profile. */
  {
    g_autofree char *shown = cairn_tls_fingerprint_display (fingerprint);

    g_assert_true (device_login (a, server, shown, &error));
    g_assert_no_error (error);
  }
  g_assert_true (cairn_sync_engine_is_signed_in (a->engine));
  g_assert_cmpstr (cairn_sync_engine_get_certificate (a->engine), ==, fingerprint);
  pinned = cairn_profile_dup_setting (a->profile, "sync", "certificate");
  g_assert_cmpstr (pinned, ==, fingerprint);

  /* Requests: a log of more than a page, pushed. */
  list = cairn_store_create_list (a->store, "Over TLS", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2500; i++)
    {
      g_autofree char *title = g_strdup_printf ("Task %u", i);

      g_free (cairn_store_create_todo (a->store, list, title, NULL, NULL, &error));
      g_assert_no_error (error);
    }
  device_sync (a);
  g_assert_cmpuint (cairn_store_get_pending_count (a->store), ==, 0);

  /* Another device trusting it: its catch-up (three pages, through the
   * pipeline) and its live stream go through the same certificate. */
  b = device_new (dir, "b");
  g_assert_true (device_login (b, server, fingerprint, &error));
  g_assert_no_error (error);
  device_sync (b);
  /* + b's own Inbox */
  g_assert_cmpint (cairn_store_get_head (b->store), ==, cairn_store_get_head (a->store) + 1);
  cairn_sync_engine_start (b->engine);
  g_assert_true (cairn_test_loop_until (is_up_to_date, b, 30));
  g_assert_cmpuint (_cairn_sync_engine_get_connect_count (b->engine), ==, 1);
  g_free (cairn_store_create_list (a->store, "Live over TLS", &error));
  g_assert_no_error (error);
  device_sync (a);
  /* Brought by the stream: no round of b's own in the meantime. */
  g_assert_true (cairn_test_loop_until (has_live_list, b, 10));
  device_sync (a);
  cairn_sync_engine_stop (b->engine);
  dump_a = cairn_store_dump_state (a->store, &error);
  dump_b = cairn_store_dump_state (b->store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dump_a, ==, dump_b);

  /* The app started again: the profile's certificate is trusted. */
  device_free (a);
  a = device_new (dir, "a");
  g_assert_true (cairn_sync_engine_is_signed_in (a->engine));
  g_assert_cmpstr (cairn_sync_engine_get_certificate (a->engine), ==, fingerprint);
  device_open_store (a);
  device_sync (a);
  g_assert_cmpint (cairn_store_get_head (a->store), ==, cairn_store_get_head (b->store));

  /* cairn-cli: refused with the fingerprint and the command that trusts
   * it; a fingerprint that is none is refused before anything; the
   * command it printed signs in. */
  {
    g_autofree char *err = NULL;
    g_autofree char *shown = cairn_tls_fingerprint_display (fingerprint);
    g_autofree char *hint = g_strdup_printf ("--trust-certificate %s\n", fingerprint);
    const char *plain[] = { "login", server->base, "ann", NULL };
    const char *typo[] = { "login", server->base, "ann", "--trust-certificate", "66:0D:E1", NULL };
    const char *trusted[] = { "login", server->base, "ann", "--trust-certificate", fingerprint, NULL };
    const char *sync[] = { "sync", NULL };

    err = cli_expect (dir, plain, 1, NULL, shown);
    g_assert_true (g_str_has_suffix (err, hint));
    g_free (cli_expect (dir, typo, 1, NULL, "is not a SHA-256 fingerprint"));
    g_free (cli_expect (dir, trusted, 0, "Signed in as ann", NULL));
    g_free (cli_expect (dir, sync, 0, "Up to date", NULL));
  }

  /* Signing out forgets it. */
  {
    g_autoptr(GAsyncResult) result = NULL;

    cairn_sync_engine_logout_async (a->engine, NULL, cairn_test_got_result, &result);
    g_assert_true (cairn_sync_engine_logout_finish (a->engine, cairn_test_wait_result (&result), &error));
    g_assert_no_error (error);
  }
  g_clear_pointer (&pinned, g_free);
  pinned = cairn_profile_dup_setting (a->profile, "sync", "certificate");
  g_assert_null (pinned);
  g_assert_null (cairn_sync_engine_get_certificate (a->engine));
  g_assert_false (cairn_sync_engine_trust_certificate (a->engine, fingerprint, &error));
  g_assert_error (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_NOT_SIGNED_IN);
  g_clear_error (&error);

  /* The server gets a new key, at the same address: the running device
   * says so with the new fingerprint (an error, not "offline"), and
   * trusting the new one brings it back at once. */
  {
    g_autofree char *listen = g_strdup_printf ("127.0.0.1:%s", strrchr (server->base, ':') + 1);
    const char * const args[] = { "--listen", listen, "--tls-cert", other_cert, "--tls-key", other_key,
                                  NULL };
    g_autofree char *shown = cairn_tls_fingerprint_display (other);

    cairn_test_server_stop (server, FALSE);
    cairn_test_server_start_full (server, NULL, args);
    g_clear_pointer (&refused, g_free);
    cairn_sync_engine_start (b->engine);
    g_assert_true (cairn_test_loop_until (is_certificate_error, b, 30));
    refused = cairn_sync_engine_dup_refused_certificate (b->engine);
    g_assert_cmpstr (refused, ==, other);
    g_assert_nonnull (strstr (cairn_sync_status_get_message (cairn_sync_engine_get_status (b->engine)),
                              shown));
    g_assert_false (cairn_sync_engine_trust_certificate (b->engine, "66:0D", &error));
    g_assert_error (error, CAIRN_SYNC_ERROR, CAIRN_SYNC_ERROR_FAILED);
    g_clear_error (&error);
    g_assert_true (cairn_sync_engine_trust_certificate (b->engine, shown, &error));
    g_assert_no_error (error);
    g_clear_pointer (&pinned, g_free);
    pinned = cairn_profile_dup_setting (b->profile, "sync", "certificate");
    g_assert_cmpstr (pinned, ==, other);
    g_assert_true (cairn_test_loop_until (is_up_to_date, b, 30));
    g_free (cairn_store_create_list (b->store, "After the new key", &error));
    g_assert_no_error (error);
    g_assert_true (cairn_test_loop_until (nothing_pending, b, 30));
    cairn_sync_engine_stop (b->engine);

    /* cairn-cli, signed in with the old one: sync refused with the new
     * fingerprint and the command that trusts it, which then works. */
    {
      g_autofree char *err = NULL;
      g_autofree char *hint = g_strdup_printf ("cairn-cli trust-certificate %s\n", other);
      const char *sync[] = { "sync", NULL };
      const char *typo[] = { "trust-certificate", "not-a-fingerprint", NULL };
      const char *trust[] = { "trust-certificate", other, NULL };
      const char *lists[] = { "lists", NULL };

      err = cli_expect (dir, sync, 1, NULL, shown);
      g_assert_true (g_str_has_suffix (err, hint));
      g_free (cli_expect (dir, typo, 1, NULL, "is not a SHA-256 fingerprint"));
      g_free (cli_expect (dir, trust, 0, shown, NULL));
      g_free (cli_expect (dir, sync, 0, "Up to date", NULL));
      /* What b wrote after trusting the new key reached this device. */
      g_free (cli_expect (dir, lists, 0, "After the new key", NULL));
    }
  }

  device_free (a);
  device_free (b);
  cairn_test_server_stop (server, FALSE);
  cairn_test_server_free (server);
  cairn_test_rm_rf (dir);
}

/* What people type for a fingerprint: colons or not, any case; anything
 * else is no fingerprint. */
static void
test_fingerprint_parse (void)
{
  const char *hex = "660de1fcb11b364455efe2cfa2b4d922c83cfe6e74006babd8d4b73d398912e5";
  const char *shown = "66:0D:E1:FC:B1:1B:36:44:55:EF:E2:CF:A2:B4:D9:22:"
                      "C8:3C:FE:6E:74:00:6B:AB:D8:D4:B7:3D:39:89:12:E5";
  const char *bad[] = {
    "", "660de1", "sha256 Fingerprint=66:0D", "zz0de1fcb11b364455efe2cfa2b4d922c83cfe6e74006babd8d4b73d398912e5",
    "660de1fcb11b364455efe2cfa2b4d922c83cfe6e74006babd8d4b73d398912e5aa",
  };
  g_autofree char *a = cairn_tls_fingerprint_parse (hex);
  g_autofree char *b = cairn_tls_fingerprint_parse (shown);
  g_autofree char *again = cairn_tls_fingerprint_display (hex);

  g_assert_cmpstr (a, ==, hex);
  g_assert_cmpstr (b, ==, hex);
  g_assert_cmpstr (again, ==, shown);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *none = cairn_tls_fingerprint_parse (bad[i]);

      g_assert_null (none);
    }
}

int
main (int argc, char *argv[])
{
  char base[] = "/tmp/cairn-sync-tls-XXXXXX";
  int status;

  g_assert_nonnull (g_mkdtemp (base));
  g_setenv ("TMPDIR", base, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/tls/fingerprint-parse", test_fingerprint_parse);
  g_test_add_func ("/sync/tls/trusted-certificate", test_trusted_certificate);
  status = g_test_run ();
  cairn_test_rm_rf (base);
  return status;
}
