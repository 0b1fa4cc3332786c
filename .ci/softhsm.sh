#!/usr/bin/env bash
# A smart card to try signing with, made with SoftHSM2 (a PKCS#11 token in files) and
# OpenSC's pkcs11-tool: a test CA, a signing certificate for "Maria Rossi" with its RSA
# key (non-repudiation), both imported into a token labelled "Firma Rossi", PIN 1234.
# For the measurements in docs/letters.md and for an office's IT to try
# `ascoltoctl token list` and `letter --pkcs11` before the real cards arrive.
#
#   .ci/softhsm.sh DIR        makes DIR/softhsm2.conf, DIR/tokens, DIR/ca.pem
#   export SOFTHSM2_CONF=DIR/softhsm2.conf
#   ascoltoctl token list --pkcs11 /usr/lib/softhsm/libsofthsm2.so
#
# It prints the module's path last. Needs softhsm2, opensc and openssl.
set -euo pipefail
dir=${1:?usage: .ci/softhsm.sh DIR}
key=${KEY:-rsa:2048}
mkdir -p "$dir/tokens"
dir=$(cd "$dir" && pwd)
module=""
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
	/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so /usr/lib64/pkcs11/libsofthsm2.so; do
	[ -e "$m" ] && module=$m && break
done
[ -n "$module" ] || { echo "no SoftHSM2 module: apt-get install softhsm2 opensc" >&2; exit 1; }
cat >"$dir/softhsm2.conf" <<CONF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
CONF
export SOFTHSM2_CONF=$dir/softhsm2.conf
cd "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
	-days 3650 -subj "/C=IT/O=Ascolto test CA/CN=Ascolto Test Root CA" \
	-addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey "$key" -nodes -keyout signer.key -out signer.csr -subj "/C=IT/O=Ascolto test/CN=Maria Rossi" 2>/dev/null
printf 'keyUsage=critical,digitalSignature,nonRepudiation\nextendedKeyUsage=emailProtection\n' >ext.cnf
openssl x509 -req -in signer.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 -extfile ext.cnf -out signer.pem 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in signer.key -outform DER -out signer.key.der
openssl x509 -in signer.pem -outform DER -out signer.der
openssl x509 -in signer.pem -pubkey -noout | openssl pkey -pubin -outform DER -out signer.pub.der
openssl x509 -in ca.pem -outform DER -out ca.der
softhsm2-util --init-token --free --label "Firma Rossi" --so-pin 12345678 --pin 1234 >/dev/null
w() { pkcs11-tool --module "$module" --token-label "Firma Rossi" --login --pin 1234 --write-object "$@" >/dev/null; }
w signer.key.der --type privkey --id 01 --label Firma --private --sensitive
w signer.pub.der --type pubkey --id 01 --label Firma
w signer.der --type cert --id 01 --label Firma
w ca.der --type cert --id 02 --label "Ascolto Test Root CA"
rm -f signer.key signer.key.der ca.key signer.csr ext.cnf ca.srl
echo "$module"
