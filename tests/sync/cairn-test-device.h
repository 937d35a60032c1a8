/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-test-device.h: a device for engine tests: a profile, its store and
 * a sync engine signed in to a test server as "ann", and waiting on the
 * main loop with a time limit. */
#pragma once

#include "cairn-sync-engine.h"
#include "cairn-test-server.h"

G_BEGIN_DECLS

/* The password cairn_test_device_open() signs in with; the test adds the
 * user "ann" with it. */
#define CAIRN_TEST_DEVICE_PASSWORD "ann-password-1"

typedef struct
{
  CairnProfile    *profile;
  CairnStore      *store;
  CairnSyncEngine *engine;
} CairnTestDevice;

/* A new profile dir/name, signed in to server as ann from device name,
 * its current workspace's store set on the engine (not started). */
void      cairn_test_device_open  (CairnTestDevice *d,
                                   const char      *dir,
                                   const char      *name,
                                   CairnTestServer *server);
void      cairn_test_device_close (CairnTestDevice *d);

/* Runs the main loop until check (data) holds or seconds pass; returns
 * whether it holds. */
gboolean  cairn_test_loop_until   (gboolean (*check) (gpointer),
                                   gpointer  data,
                                   guint     seconds);

/* Seeds workspace ws (token: a member's) with n events from a writer
 * client, pushed over HTTP in batches of 500: n_lists lists, then todos
 * spread over them (valid events with fixed-width position keys).
 * Aborts when the server refuses a batch. */
void      cairn_test_seed_todos   (CairnTestServer *server,
                                   const char      *token,
                                   const char      *ws,
                                   guint            n_lists,
                                   guint            n);

G_END_DECLS
