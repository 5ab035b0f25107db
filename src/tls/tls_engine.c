/* ISC license. */

/* tls_engine.c: the engine settings that both sides share (TLS 1.2 only,
   ECDHE with AEAD suites only, no renegotiation), and the names that
   messages and session facts give to suites and errors. */

#include <string.h>

#include <skalibs/types.h>

#include "tls-internal.h"

char const *tls_fail_reason = 0 ;
int tls_fail_quiet = 0 ;
char const *tls_peer_role = 0 ;

typedef struct suite_s suite, *suite_ref ;
struct suite_s
{
  uint16_t id ;
  char const *name ;
} ;

 /* AES-GCM first; tls_engine_setup moves ChaCha20 ahead without AES-NI. */
static suite const suites[] =
{
  { BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256" },
  { BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256" },
  { BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384" },
  { BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384" },
  { BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305" },
  { BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305" },
} ;
#define NSUITES (sizeof(suites) / sizeof(suite))

char const *tls_suite_name (unsigned int id)
{
  for (size_t i = 0 ; i < NSUITES ; i++) if (suites[i].id == id) return suites[i].name ;
  return "unknown" ;
}

unsigned int tls_suite_overhead (unsigned int id)
{
  /* ChaCha20-Poly1305: the tag; AES-GCM: the explicit nonce and the tag */
  return strstr(tls_suite_name(id), "CHACHA") ? 16 : 24 ;
}

/* the hash for a signature, from the bits of those the peer takes */
unsigned int tls_choose_hash (unsigned int bits)
{
  static unsigned char const pref[] = { br_sha256_ID, br_sha384_ID, br_sha512_ID, br_sha224_ID, br_sha1_ID } ;
  for (size_t i = 0 ; i < sizeof(pref) ; i++) if ((bits >> pref[i]) & 1) return pref[i] ;
  return 0 ;
}

unsigned int tls_suite_bits (unsigned int id)
{
  char const *s = tls_suite_name(id) ;
  return strstr(s, "AES128") ? 128 : strstr(s, "unknown") ? 0 : 256 ;
}

static int have_fast_aes (void)
{
  return br_aes_x86ni_ctr_get_vtable() || br_aes_pwr8_ctr_get_vtable() ;
}

void tls_engine_setup (br_ssl_engine_context *eng, int isserver, unsigned char *buf)
{
  uint16_t ids[NSUITES] ;
  size_t n = 0 ;
  int fast = have_fast_aes() ;
  for (int pass = 0 ; pass < 2 ; pass++)
    for (size_t i = 0 ; i < NSUITES ; i++)
    {
      int chacha = !!strstr(suites[i].name, "CHACHA") ;
      if ((pass == 0) == (fast ? !chacha : chacha)) ids[n++] = suites[i].id ;
    }
  br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12) ;
  br_ssl_engine_set_suites(eng, ids, n) ;
  br_ssl_engine_set_hash(eng, br_sha1_ID, &br_sha1_vtable) ;
  br_ssl_engine_set_hash(eng, br_sha224_ID, &br_sha224_vtable) ;
  br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable) ;
  br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable) ;
  br_ssl_engine_set_hash(eng, br_sha512_ID, &br_sha512_vtable) ;
  br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf) ;
  br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf) ;
  br_ssl_engine_set_default_aes_gcm(eng) ;
  br_ssl_engine_set_default_chapol(eng) ;
  br_ssl_engine_set_default_ec(eng) ;
  br_ssl_engine_set_default_rsavrfy(eng) ;
  br_ssl_engine_set_default_ecdsa(eng) ;
  br_ssl_engine_set_buffer(eng, buf, BR_SSL_BUFSIZE_BIDI, 1) ;
  br_ssl_engine_add_flags(eng, BR_OPT_NO_RENEGOTIATION | (isserver ? BR_OPT_ENFORCE_SERVER_PREFERENCES : 0)) ;
}

typedef struct errname_s errname, *errname_ref ;
struct errname_s
{
  int code ;
  char const *name ;
  char const *text ;
} ;

static errname const errors[] =
{
  { 0, "BR_ERR_OK", "no error" },
  { 1, "BR_ERR_BAD_PARAM", "caller-provided parameter is incorrect" },
  { 2, "BR_ERR_BAD_STATE", "operation requested by the caller cannot be applied with the current context state (e.g. reading data while outgoing data is waiting to be sent)" },
  { 3, "BR_ERR_UNSUPPORTED_VERSION", "incoming protocol or record version is unsupported" },
  { 4, "BR_ERR_BAD_VERSION", "incoming record version does not match the expected version" },
  { 5, "BR_ERR_BAD_LENGTH", "incoming record length is invalid" },
  { 6, "BR_ERR_TOO_LARGE", "incoming record is too large to be processed, or buffer is too small for the handshake message to send" },
  { 7, "BR_ERR_BAD_MAC", "decryption found an invalid padding, or the record MAC is not correct" },
  { 8, "BR_ERR_NO_RANDOM", "no initial entropy was provided, and none can be obtained from the OS" },
  { 9, "BR_ERR_UNKNOWN_TYPE", "incoming record type is unknown" },
  { 10, "BR_ERR_UNEXPECTED", "incoming record or message has wrong type with regards to the current engine state" },
  { 12, "BR_ERR_BAD_CCS", "ChangeCipherSpec message from the peer has invalid contents" },
  { 13, "BR_ERR_BAD_ALERT", "alert message from the peer has invalid contents (odd length)" },
  { 14, "BR_ERR_BAD_HANDSHAKE", "incoming handshake message decoding failed" },
  { 15, "BR_ERR_OVERSIZED_ID", "ServerHello contains a session ID which is larger than 32 bytes" },
  { 16, "BR_ERR_BAD_CIPHER_SUITE", "server wants to use a cipher suite that we did not claim to support" },
  { 17, "BR_ERR_BAD_COMPRESSION", "server wants to use a compression that we did not claim to support" },
  { 18, "BR_ERR_BAD_FRAGLEN", "server's max fragment length does not match client's" },
  { 19, "BR_ERR_BAD_SECRENEG", "secure renegotiation failed" },
  { 20, "BR_ERR_EXTRA_EXTENSION", "server sent an extension type that we did not announce" },
  { 21, "BR_ERR_BAD_SNI", "invalid Server Name Indication contents" },
  { 22, "BR_ERR_BAD_HELLO_DONE", "invalid ServerHelloDone from the server (length is not 0)" },
  { 23, "BR_ERR_LIMIT_EXCEEDED", "internal limit exceeded (e.g. server's public key is too large)" },
  { 24, "BR_ERR_BAD_FINISHED", "Finished message from peer does not match the expected value" },
  { 25, "BR_ERR_RESUME_MISMATCH", "session resumption attempt with distinct version or cipher suite" },
  { 26, "BR_ERR_INVALID_ALGORITHM", "unsupported or invalid algorithm (ECDHE curve, signature algorithm, hash function)" },
  { 27, "BR_ERR_BAD_SIGNATURE", "invalid signature (on ServerKeyExchange from server, or in CertificateVerify from client)" },
  { 28, "BR_ERR_WRONG_KEY_USAGE", "peer's public key does not have the proper type or is not allowed for requested operation" },
  { 29, "BR_ERR_NO_CLIENT_AUTH", "client did not send a certificate upon request, or the client certificate could not be validated" },
  { 31, "BR_ERR_IO", "I/O error or premature close on underlying transport stream. This error code is set only by the simplified I/O API (\"br_sslio_*\")" },
  { 32, "BR_ERR_X509_OK", "validation was successful" },
  { 33, "BR_ERR_X509_INVALID_VALUE", "invalid value in an ASN.1 structure" },
  { 34, "BR_ERR_X509_TRUNCATED", "truncated certificate" },
  { 35, "BR_ERR_X509_EMPTY_CHAIN", "empty certificate chain (no certificate at all)" },
  { 36, "BR_ERR_X509_INNER_TRUNC", "decoding error: inner element extends beyond outer element size" },
  { 37, "BR_ERR_X509_BAD_TAG_CLASS", "decoding error: unsupported tag class (application or private)" },
  { 38, "BR_ERR_X509_BAD_TAG_VALUE", "decoding error: unsupported tag value" },
  { 39, "BR_ERR_X509_INDEFINITE_LENGTH", "decoding error: indefinite length" },
  { 40, "BR_ERR_X509_EXTRA_ELEMENT", "decoding error: extraneous element" },
  { 41, "BR_ERR_X509_UNEXPECTED", "decoding error: unexpected element" },
  { 42, "BR_ERR_X509_NOT_CONSTRUCTED", "decoding error: expected constructed element, but is primitive" },
  { 43, "BR_ERR_X509_NOT_PRIMITIVE", "decoding error: expected primitive element, but is constructed" },
  { 44, "BR_ERR_X509_PARTIAL_BYTE", "decoding error: BIT STRING length is not multiple of 8" },
  { 45, "BR_ERR_X509_BAD_BOOLEAN", "decoding error: BOOLEAN value has invalid length" },
  { 46, "BR_ERR_X509_OVERFLOW", "decoding error: value is off-limits" },
  { 47, "BR_ERR_X509_BAD_DN", "invalid distinguished name" },
  { 48, "BR_ERR_X509_BAD_TIME", "invalid date/time representation" },
  { 49, "BR_ERR_X509_UNSUPPORTED", "certificate contains unsupported features that cannot be ignored" },
  { 50, "BR_ERR_X509_LIMIT_EXCEEDED", "key or signature size exceeds internal limits" },
  { 51, "BR_ERR_X509_WRONG_KEY_TYPE", "key type does not match that which was expected" },
  { 52, "BR_ERR_X509_BAD_SIGNATURE", "signature is invalid" },
  { 53, "BR_ERR_X509_TIME_UNKNOWN", "validation time is unknown" },
  { 54, "BR_ERR_X509_EXPIRED", "certificate is expired or not yet valid" },
  { 55, "BR_ERR_X509_DN_MISMATCH", "issuer/subject DN mismatch in the chain" },
  { 56, "BR_ERR_X509_BAD_SERVER_NAME", "expected server name was not found in the chain" },
  { 57, "BR_ERR_X509_CRITICAL_EXTENSION", "unknown critical extension in certificate" },
  { 58, "BR_ERR_X509_NOT_CA", "not a CA, or path length constraint violation" },
  { 59, "BR_ERR_X509_FORBIDDEN_KEY_USAGE", "Key Usage extension prohibits intended usage" },
  { 60, "BR_ERR_X509_WEAK_PUBLIC_KEY", "public key found in certificate is too small" },
  { 62, "BR_ERR_X509_NOT_TRUSTED", "chain could not be linked to a trust anchor" },
  { 256, "BR_ERR_RECV_FATAL_ALERT", "base value for a received fatal alert. When a fatal alert is received from the peer, the alert value is added to this constant" },
  { 512, "BR_ERR_SEND_FATAL_ALERT", "base value for a sent fatal alert. When a fatal alert is sent to the peer, the alert value is added to this constant" },
} ;
#define NERRORS (sizeof(errors) / sizeof(errname))

static char const *const alerts[] =
{
  [0] = "close_notify", [10] = "unexpected_message", [20] = "bad_record_mac",
  [22] = "record_overflow", [40] = "handshake_failure", [42] = "bad_certificate",
  [43] = "unsupported_certificate", [44] = "certificate_revoked",
  [45] = "certificate_expired", [46] = "certificate_unknown",
  [47] = "illegal_parameter", [48] = "unknown_ca", [49] = "access_denied",
  [50] = "decode_error", [51] = "decrypt_error", [70] = "protocol_version",
  [71] = "insufficient_security", [80] = "internal_error",
  [86] = "inappropriate_fallback", [90] = "user_canceled",
  [100] = "no_renegotiation", [110] = "unsupported_extension",
  [112] = "unrecognized_name", [120] = "no_application_protocol",
} ;

static char const *alert_name (int a)
{
  if (a >= 0 && (size_t)a < sizeof(alerts) / sizeof(char const *) && alerts[a]) return alerts[a] ;
  return "unknown alert" ;
}

char const *tls_error_name (int err)
{
  if (err >= BR_ERR_RECV_FATAL_ALERT && err < BR_ERR_SEND_FATAL_ALERT) return "BR_ERR_RECV_FATAL_ALERT" ;
  if (err >= BR_ERR_SEND_FATAL_ALERT) return "BR_ERR_SEND_FATAL_ALERT" ;
  for (size_t i = 0 ; i < NERRORS ; i++) if (errors[i].code == err) return errors[i].name ;
  return "BR_ERR_UNKNOWN" ;
}

char const *tls_error_text (int err)
{
  static char buf[80] ;
  if (err >= BR_ERR_RECV_FATAL_ALERT)
  {
    int a = err & 255 ;
    size_t m ;
    char const *s = err < BR_ERR_SEND_FATAL_ALERT ? "the peer sent fatal alert " : "we sent fatal alert " ;
    m = strlen(s) ;
    memcpy(buf, s, m) ;
    m += uint_fmt(buf + m, (unsigned int)a) ;
    buf[m++] = ' ' ; buf[m++] = '(' ;
    s = alert_name(a) ;
    memcpy(buf + m, s, strlen(s)) ; m += strlen(s) ;
    buf[m++] = ')' ; buf[m] = 0 ;
    return buf ;
  }
  for (size_t i = 0 ; i < NERRORS ; i++) if (errors[i].code == err) return errors[i].text ;
  return "unknown error" ;
}
