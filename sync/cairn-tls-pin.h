/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cairn-tls-pin.h: trusting one server certificate the system does not
 * (a self-hosted server's self-signed one), by its SHA-256 fingerprint.
 *
 * A certificate the system trusts is always taken; these only decide about
 * one it refuses (libsoup and GIO ask through ::accept-certificate): it is
 * taken when its fingerprint is the pinned one, whatever else is wrong
 * with it (self-signed, expired, for another name), since the user
 * compared that exact certificate with the server's. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* 64 lower-case hex digits, no separators. */
#define CAIRN_TLS_FINGERPRINT_LEN 64

/* The SHA-256 of the certificate's DER bytes, as 64 lower-case hex
 * digits. */
char    *cairn_tls_fingerprint         (GTlsCertificate *certificate);
/* A fingerprint as given by a person: hex digits, in any case, with or
 * without colons or spaces between the bytes (as `openssl x509
 * -fingerprint -sha256` prints it). Returns the 64-digit form, or NULL
 * when it is not 32 bytes of hex. */
char    *cairn_tls_fingerprint_parse   (const char      *text);
/* The 64-digit form as people read it: upper case, bytes joined by
 * colons. */
char    *cairn_tls_fingerprint_display (const char      *fingerprint);
/* Makes object (a SoupMessage, or a GTlsClientConnection) take a refused
 * certificate whose fingerprint is pinned (NULL: none), and remember the
 * fingerprint of a certificate it refuses, for
 * cairn_tls_dup_refused(). */
void     cairn_tls_pin                 (GObject         *object,
                                        const char      *pinned);
/* The fingerprint of the certificate object last refused, or NULL; and
 * what was wrong with it. */
char    *cairn_tls_dup_refused         (GObject              *object,
                                        GTlsCertificateFlags *out_errors);
/* What errors say, for people: "it is signed by an authority this
 * computer does not know; it was made for another name", … */
char    *cairn_tls_describe_errors     (GTlsCertificateFlags  errors);

G_END_DECLS
