#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

// OpenSSL's function-like macros and stack accessors, as functions Swift can call.

/// Initializes OpenSSL without its exit-time cleanup: the runtime's threads (an event loop, a
/// connection attempt) may still be inside OpenSSL while the process exits.
static inline int copenssl_init_without_atexit(void) {
    return OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL) && OPENSSL_init_ssl(0, NULL);
}

static inline long copenssl_ctx_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
static inline long copenssl_ctx_set_min_tls12(SSL_CTX *ctx) {
    return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}
static inline void copenssl_ctx_set_read_ahead(SSL_CTX *ctx) { SSL_CTX_set_read_ahead(ctx, 1); }
static inline long copenssl_set_sni(SSL *ssl, const char *name) { return SSL_set_tlsext_host_name(ssl, name); }
static inline long copenssl_session_reused(SSL *ssl) { return SSL_session_reused(ssl); }
static inline long copenssl_negotiated_group(SSL *ssl) { return SSL_get_negotiated_group(ssl); }

static inline void copenssl_bio_set_retry_read(BIO *bio) { BIO_set_retry_read(bio); }
static inline void copenssl_bio_clear_retry(BIO *bio) { BIO_clear_retry_flags(bio); }
static inline int copenssl_bio_ctrl_flush(void) { return BIO_CTRL_FLUSH; }
static inline unsigned long copenssl_name_flags_rfc2253(void) { return XN_FLAG_RFC2253; }

static inline int copenssl_x509_stack_count(STACK_OF(X509) *stack) { return stack ? sk_X509_num(stack) : 0; }
static inline X509 *copenssl_x509_stack_at(STACK_OF(X509) *stack, int i) { return sk_X509_value(stack, i); }
static inline void copenssl_x509_stack_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }
static inline STACK_OF(X509) *copenssl_x509_stack_new(void) { return sk_X509_new_null(); }
static inline int copenssl_x509_stack_push(STACK_OF(X509) *stack, X509 *cert) { return sk_X509_push(stack, cert); }

static inline STACK_OF(X509_NAME) *copenssl_x509_name_stack_new(void) { return sk_X509_NAME_new_null(); }
static inline int copenssl_x509_name_stack_push(STACK_OF(X509_NAME) *stack, X509_NAME *name) {
    return sk_X509_NAME_push(stack, name);
}

/// The subject alternative names of `cert`, or NULL; free with copenssl_names_free.
static inline GENERAL_NAMES *copenssl_subject_alt_names(X509 *cert) {
    return (GENERAL_NAMES *)X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
}
static inline int copenssl_names_count(GENERAL_NAMES *names) { return sk_GENERAL_NAME_num(names); }
static inline GENERAL_NAME *copenssl_names_at(GENERAL_NAMES *names, int i) { return sk_GENERAL_NAME_value(names, i); }
static inline void copenssl_names_free(GENERAL_NAMES *names) { GENERAL_NAMES_free(names); }
/// The kind of a general name: GEN_DNS, GEN_URI, GEN_EMAIL, GEN_IPADD or another.
static inline int copenssl_name_type(GENERAL_NAME *name) { return name->type; }
/// The bytes of a DNS, URI, email or IP address name (raw address bytes for an IP).
static inline const unsigned char *copenssl_name_data(GENERAL_NAME *name, int *length) {
    ASN1_STRING *s = NULL;
    switch (name->type) {
    case GEN_DNS: s = name->d.dNSName; break;
    case GEN_URI: s = name->d.uniformResourceIdentifier; break;
    case GEN_EMAIL: s = name->d.rfc822Name; break;
    case GEN_IPADD: s = name->d.iPAddress; break;
    default: *length = 0; return NULL;
    }
    *length = ASN1_STRING_length(s);
    return ASN1_STRING_get0_data(s);
}
#endif
