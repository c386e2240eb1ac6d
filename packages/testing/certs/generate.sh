#!/bin/sh
# Regenerates every test certificate in this directory. The output is
# committed, so this only needs to run again when a certificate must change.
#
# Keys are ECDSA P-256: handshakes stay cheap on a busy test machine.
# Certificates are valid for 30 years so the suite never starts failing on a
# calendar date.
set -eu
cd "$(dirname "$0")"

DAYS=10950
CURVE="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"

ext=$(mktemp)
trap 'rm -f "$ext" ./*.csr ./*.srl' EXIT

# ca NAME SUBJECT: a self-signed certificate authority.
ca() {
  openssl req -x509 $CURVE -keyout "$1.key" -out "$1.pem" -days "$DAYS" -sha256 \
    -subj "$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
}

# leaf NAME ISSUER SUBJECT EXTENSIONS: a certificate signed by ISSUER.
leaf() {
  printf '%s\n' \
    "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" \
    "subjectKeyIdentifier=hash" \
    "authorityKeyIdentifier=keyid,issuer" \
    "$4" >"$ext"
  openssl req $CURVE -keyout "$1.key" -out "$1.csr" -subj "$3"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
    -out "$1.pem" -days "$DAYS" -sha256 -extfile "$ext"
}

ca ca "/CN=effect-requests test CA"
ca other-ca "/CN=effect-requests other test CA"

leaf leaf ca "/CN=localhost" "extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1,DNS:a.test,DNS:b.test,DNS:*.wild.test"

leaf leaf-a-only ca "/CN=a.test" "extendedKeyUsage=serverAuth
subjectAltName=DNS:a.test,IP:127.0.0.1"

leaf client ca "/CN=effect-requests test client" "extendedKeyUsage=clientAuth"

leaf other-client other-ca "/CN=effect-requests other test client" "extendedKeyUsage=clientAuth"
