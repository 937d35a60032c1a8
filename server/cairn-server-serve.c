/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-server-serve.c: `cairn-server serve`: options, listening, TLS,
 * shutdown. */
#define G_LOG_DOMAIN "cairn-server"
#include "config.h"

#include "cairn-server-private.h"
#include "cairn-tls-pin.h"

/* ---- serve ------------------------------------------------------------------------ */

static gboolean
on_shutdown_timeout (gpointer user_data)
{
  Server *self = user_data;

  self->shutdown_timeout = 0;
  g_message ("Shutdown grace period over; closing what is left");
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_terminate (gpointer user_data)
{
  Server *self = user_data;

  if (self->shutting_down)
    return G_SOURCE_CONTINUE;
  g_message ("Shutting down: finishing requests and closing live connections");
  self->shutting_down = TRUE;
  /* Pushes waiting in the open group are committed and answered now, the
   * live ones before their connections get the close frame; paused logins
   * finish before the loop quits. */
  cairn_server_core_commit_group (self->core, NULL);
  _cairn_server_close_live (self, NULL, NULL, NULL, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "server shutting down");
  if (g_hash_table_size (self->live) == 0 && self->in_flight == 0)
    _cairn_server_maybe_finish_shutdown (self);
  else
    self->shutdown_timeout = g_timeout_add (SHUTDOWN_GRACE_MS, on_shutdown_timeout, self);
  return G_SOURCE_CONTINUE;
}

static gboolean
parse_listen (const char      *listen,
              GSocketAddress **out,
              GError         **error)
{
  g_autoptr(GSocketConnectable) na = NULL;
  g_autoptr(GInetAddress) addr = NULL;
  const char *host;
  guint16 port;

  if (!(na = g_network_address_parse (listen, 8080, error)))
    {
      g_prefix_error (error, "Bad --listen \"%s\": ", listen);
      return FALSE;
    }
  host = g_network_address_get_hostname (G_NETWORK_ADDRESS (na));
  port = g_network_address_get_port (G_NETWORK_ADDRESS (na));
  if (!(addr = g_inet_address_new_from_string (host)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Bad --listen \"%s\": \"%s\" is not an IP address (use e.g. 127.0.0.1:8080 or [::]:8080)",
                   listen, host);
      return FALSE;
    }
  *out = g_inet_socket_address_new (addr, port);
  return TRUE;
}

/* Takes DIR/serve.lock for the life of the process: two servers on one
 * folder would keep the log consistent (SQLite) but neither would fan out
 * the other's events. Returns the descriptor, or -1 after printing why. */
static int
lock_data_dir (const char *data_dir)
{
  g_autofree char *path = g_build_filename (data_dir, "serve.lock", NULL);
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int errsv = errno;
      g_printerr ("cairn-server serve: cannot open %s: %s\n", path, g_strerror (errsv));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int errsv = errno;
      if (errsv == EWOULDBLOCK)
        g_printerr ("cairn-server serve: another cairn-server is already serving %s\n", data_dir);
      else
        g_printerr ("cairn-server serve: cannot lock %s: %s\n", path, g_strerror (errsv));
      close (fd);
      return -1;
    }
  return fd;
}

CairnServerCore *
_cairn_server_open_core (const char                   *what,
                         const char                   *data_dir,
                         const char                   *database,
                         const CairnServerCoreOptions *opts)
{
  g_autoptr(GError) error = NULL;
  CairnServerCore *core;

  if (database == NULL)
    database = g_getenv ("CAIRN_SERVER_DATABASE");
  if (database != NULL && *database == '\0')
    database = NULL;
  if ((data_dir == NULL) == (database == NULL))
    {
      g_printerr ("cairn-server %s: %s\n", what,
                  data_dir == NULL ? "--data DIR or --database URI is required"
                                   : "give either --data DIR or --database URI (or CAIRN_SERVER_DATABASE), not both");
      return NULL;
    }
  core = data_dir != NULL ? cairn_server_core_open (data_dir, opts, &error)
                          : cairn_server_core_open_database (database, opts, &error);
  if (core == NULL)
    g_printerr ("cairn-server %s: %s\n", what, error->message);
  return core;
}

CairnServerCoreOptions
_cairn_server_core_options_from_env (void)
{
  CairnServerCoreOptions opts = { 0 };
  const char *fast = g_getenv ("CAIRN_SERVER_ARGON2_FAST");
  const char *idle = g_getenv ("CAIRN_SERVER_SESSION_IDLE_SECONDS");
  const char *max_args = g_getenv ("CAIRN_SERVER_TEST_MAX_ARGS_BYTES");

  /* For tests only: the weakest Argon2id cost libsodium allows. */
  if (fast != NULL && g_str_equal (fast, "1"))
    {
      opts.pwhash_opslimit = crypto_pwhash_OPSLIMIT_MIN;
      opts.pwhash_memlimit = crypto_pwhash_MEMLIMIT_MIN;
    }
  if (idle != NULL)
    opts.session_idle_ms = g_ascii_strtoll (idle, NULL, 10) * 1000;
  if (max_args != NULL)
    _cairn_server_test_max_args_bytes = g_ascii_strtoull (max_args, NULL, 10);
  return opts;
}

/* What serving needs besides listening: the tables, the main loop, the
 * group commit, libsoup's server with the handlers (fed the connections
 * that cairn_soup_listen() accepts, with TLS when it is given a cert).
 * Limits at their defaults (and the test-only environment variables of
 * docs/server.md); the caller may change them. Also the in-process server
 * of the tests and fuzzers (cairn-server-in-process.c). */
void
_cairn_server_setup (Server           *self,
                     CairnServerCore  *core)
{
  const char *queue = g_getenv ("CAIRN_SERVER_LOGIN_QUEUE");
  const char *delay = g_getenv ("CAIRN_SERVER_CHECK_DELAY_MS");

  self->core = core;
  self->max_live_per_user = DEFAULT_MAX_LIVE_PER_USER;
  self->max_checks_waiting = DEFAULT_MAX_CHECKS_WAITING;
  self->max_conns_per_address = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
  self->request_timeout_s = DEFAULT_REQUEST_TIMEOUT_SECONDS;
  /* For tests only (see docs/server.md): a smaller login queue, and slow
   * password checks so that the queue can be filled. */
  if (queue != NULL)
    self->max_checks_waiting = (guint) CLAMP (g_ascii_strtoll (queue, NULL, 10), 0, 100000);
  if (delay != NULL)
    self->check_delay_ms = (guint) CLAMP (g_ascii_strtoll (delay, NULL, 10), 0, 60000);
  self->addr_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->live = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->live_per_user = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->loop = g_main_loop_new (NULL, FALSE);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) _cairn_server_pending_push_free);
  cairn_server_core_set_group_func (self->core, _cairn_server_on_group_done, self);
  self->snapshots = _cairn_server_snapshots_new (core);
  self->soup = soup_server_new ("server-header", "cairn-server/" PACKAGE_VERSION " ", NULL);
  /* The live WebSocket upgrade is done by _cairn_server_handle_live() itself (no
   * libsoup WebSocket handler), so that its stream can be wrapped. */
  soup_server_add_early_handler (self->soup, NULL, _cairn_server_handle_early, self, NULL);
  soup_server_add_handler (self->soup, NULL, _cairn_server_handle_request, self, NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (_cairn_server_on_request_started), self);
  g_signal_connect (self->soup, "request-read", G_CALLBACK (_cairn_server_on_request_read), self);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (_cairn_server_on_request_done), self);
  g_signal_connect (self->soup, "request-aborted", G_CALLBACK (_cairn_server_on_request_done), self);
}

/* Undoes _cairn_server_setup(), the core aside: pushes still waiting are
 * committed and answered, then the sockets get settle_rounds rounds of
 * 2 ms to finish their pending I/O. */
void
_cairn_server_teardown (Server *self,
                        guint   settle_rounds)
{
  cairn_server_core_commit_group (self->core, NULL);
  g_clear_pointer (&self->service, cairn_soup_listen_stop);
  soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_pointer (&self->live, g_hash_table_unref);
  for (guint i = 0; i < settle_rounds; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&self->live_per_user, g_hash_table_unref);
  /* Sockets still alive hold their own references. */
  g_clear_pointer (&self->addr_counts, g_hash_table_unref);
  /* Logins still waiting for a password check: their clients saw the
   * connection end and log in again. */
  g_queue_clear_full (&self->checks_waiting, g_object_unref);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  cairn_server_core_set_group_func (self->core, NULL, NULL);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->snapshots, _cairn_server_snapshots_free);
}

/* What `serve` was asked for on its command line. */
typedef struct
{
  char     *data_dir;
  char     *database;
  char     *listen;
  char     *tls_cert;
  char     *tls_key;
  gboolean  trust_proxy;
  int       max_live;
  int       max_conns;
  int       request_timeout;
  int       live_recheck;
} ServeOptions;

static void
serve_options_clear (ServeOptions *o)
{
  g_free (o->data_dir);
  g_free (o->database);
  g_free (o->listen);
  g_free (o->tls_cert);
  g_free (o->tls_key);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ServeOptions, serve_options_clear)

/* Whether the options go together and lie in their ranges; prints why
 * not. */
static gboolean
serve_options_valid (const ServeOptions *o)
{
  const char *problem = NULL;

  if ((o->tls_cert == NULL) != (o->tls_key == NULL))
    problem = "--tls-cert and --tls-key go together";
  else if (o->max_live < 1)
    problem = "--max-live-per-user must be at least 1";
  else if (o->max_conns < 1 || o->max_conns > 1000000)
    problem = "--max-connections-per-address must be 1 to 1000000";
  else if (o->live_recheck < 1 || o->live_recheck > 3600)
    problem = "--live-recheck must be 1 to 3600 seconds";
  else if (o->request_timeout < 1 || o->request_timeout > 3600)
    problem = "--request-timeout must be 1 to 3600 seconds";
  if (problem != NULL)
    {
      g_printerr ("cairn-server serve: %s\n", problem);
      return FALSE;
    }
  return TRUE;
}

/* Fills o from the command line; FALSE after printing why it cannot. */
static gboolean
parse_serve_options (ServeOptions  *o,
                     int            argc,
                     char         **argv)
{
  const GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &o->data_dir, "Folder for an SQLite database (this or --database)", "DIR" },
    { "database", 0, 0, G_OPTION_ARG_STRING, &o->database, "PostgreSQL connection URI, postgresql://… (or CAIRN_SERVER_DATABASE)", "URI" },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &o->listen, "Address and port (default " DEFAULT_LISTEN "; port 0 picks one)", "ADDR:PORT" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &o->tls_cert, "PEM certificate (chain) for HTTPS", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &o->tls_key, "PEM private key for HTTPS", "FILE" },
    { "trust-proxy", 0, 0, G_OPTION_ARG_NONE, &o->trust_proxy, "Take the client address from X-Forwarded-For (only behind a reverse proxy)", NULL },
    { "max-live-per-user", 0, 0, G_OPTION_ARG_INT, &o->max_live, "Live WebSocket connections allowed per user (default 20)", "N" },
    { "max-connections-per-address", 0, 0, G_OPTION_ARG_INT, &o->max_conns, "Connections allowed at once per client address, an IPv6 /64 (behind --trust-proxy: requests in progress per forwarded address; default 64)", "N" },
    { "live-recheck", 0, 0, G_OPTION_ARG_INT, &o->live_recheck, "Seconds between checks that live connections' sessions and memberships still hold (default 10)", "SECONDS" },
    { "request-timeout", 0, 0, G_OPTION_ARG_INT, &o->request_timeout, "Seconds a connection may take to send a whole request, idle keep-alive time included (default 30)", "SECONDS" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- run the Cairn sync server");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("cairn-server serve: %s\n", error->message);
      return FALSE;
    }
  return serve_options_valid (o);
}

/* Prints the addresses served, one a line, for whoever started the
 * server (and the tests, which read the port picked for port 0). */
static void
print_uris (Server *self)
{
  GSList *uris = cairn_soup_listen_get_uris (self->service);

  for (GSList *l = uris; l != NULL; l = l->next)
    {
      GUri *uri = l->data;
      const char *host = g_uri_get_host (uri);
      gboolean v6 = strchr (host, ':') != NULL;

      g_print ("listening on %s://%s%s%s:%d\n", g_uri_get_scheme (uri),
               v6 ? "[" : "", host, v6 ? "]" : "", g_uri_get_port (uri));
    }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  fflush (stdout);
}

/* Runs the main loop until SIGTERM or SIGINT has shut the server down. */
static void
run_until_stopped (Server *self,
                   int     live_recheck)
{
  guint sigterm, sigint;

  self->live_recheck = g_timeout_add_seconds (live_recheck, _cairn_server_recheck_live, self);
  sigterm = g_unix_signal_add (SIGTERM, on_terminate, self);
  sigint = g_unix_signal_add (SIGINT, on_terminate, self);
  g_main_loop_run (self->loop);

  g_source_remove (self->live_recheck);
  g_source_remove (sigterm);
  g_source_remove (sigint);
  if (self->shutdown_timeout != 0)
    g_source_remove (self->shutdown_timeout);
}

int
_cairn_server_cmd_serve (int    argc,
                         char **argv)
{
  g_auto(ServeOptions) o = {
    .max_live = DEFAULT_MAX_LIVE_PER_USER,
    .max_conns = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
    .request_timeout = DEFAULT_REQUEST_TIMEOUT_SECONDS,
    .live_recheck = DEFAULT_LIVE_RECHECK_SECONDS,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) addr = NULL;
  g_autoptr(GTlsCertificate) cert = NULL;
  CairnServerCoreOptions opts = _cairn_server_core_options_from_env ();
  Server server = { 0 };
  Server *self = &server;
  const char *listen;
  int lock_fd = -1;

  if (!parse_serve_options (&o, argc, argv))
    return 2;
  listen = o.listen ? o.listen : DEFAULT_LISTEN;
  if (!parse_listen (listen, &addr, &error))
    {
      g_printerr ("cairn-server serve: %s\n", error->message);
      return 2;
    }
  if (o.tls_cert != NULL && !(cert = g_tls_certificate_new_from_files (o.tls_cert, o.tls_key, &error)))
    {
      g_printerr ("cairn-server serve: cannot load the TLS certificate %s / key %s: %s\n",
                  o.tls_cert, o.tls_key, error->message);
      return 1;
    }
  if (cert != NULL)
    {
      /* For people whose devices do not trust this certificate (a
       * self-signed one): the app and cairn-cli show the same fingerprint
       * and ask whether to trust it (docs/sync.md, "A server's
       * certificate"). */
      g_autofree char *fingerprint = cairn_tls_fingerprint (cert);
      g_autofree char *shown = fingerprint != NULL ? cairn_tls_fingerprint_display (fingerprint) : NULL;

      if (shown != NULL)
        g_printerr ("cairn-server: TLS certificate %s, SHA-256 fingerprint %s\n", o.tls_cert, shown);
    }
  if (!(self->core = _cairn_server_open_core ("serve", o.data_dir, o.database, &opts)))
    return 1;
  /* Only the SQLite folder is served by one process at a time. */
  if (o.data_dir != NULL && (lock_fd = lock_data_dir (o.data_dir)) < 0)
    {
      cairn_server_core_close (self->core);
      return 1;
    }

  _cairn_server_setup (self, self->core);
  /* Other instances on the same PostgreSQL database: their commits wake
   * this one's live connections. */
  if (!cairn_server_core_watch_commits (self->core, _cairn_server_on_commit, self,
                                        g_getenv ("CAIRN_SERVER_TEST_CATCH_UP_MS")
                                          ? (guint) g_ascii_strtoull (g_getenv ("CAIRN_SERVER_TEST_CATCH_UP_MS"), NULL, 10)
                                          : CATCH_UP_MS, &error))
    {
      g_printerr ("cairn-server serve: %s\n", error->message);
      _cairn_server_teardown (self, 0);
      cairn_server_core_close (self->core);
      return 1;
    }
  self->max_live_per_user = o.max_live;
  self->max_conns_per_address = o.max_conns;
  self->request_timeout_s = o.request_timeout;
  self->trust_proxy = o.trust_proxy;

  if (!(self->service = cairn_soup_listen (self->soup, addr, cert, &error)))
    {
      g_printerr ("cairn-server serve: cannot listen on %s: %s\n", listen, error->message);
      cairn_server_core_close (self->core);
      if (lock_fd >= 0)
        close (lock_fd);
      return 1;
    }
  print_uris (self);
  run_until_stopped (self, o.live_recheck);

  _cairn_server_teardown (self, 50);
  cairn_server_core_close (self->core);
  if (lock_fd >= 0)
    close (lock_fd);
  g_message ("Stopped");
  return 0;
}
