#!/usr/bin/env bash
# A real CUPS server with a PDF virtual printer (queue "PDF", Debian's cups-pdf) for the
# printing tests: installs the packages when missing, starts cupsd when it is not
# running (CI has no systemd), makes the queue and has it write its PDFs to
# /var/spool/cups-pdf/out, where the test (printing/printer) looks for them.
# Run as root; running it again changes nothing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
OUT=/var/spool/cups-pdf/out

missing=""
for p in cups cups-client cups-bsd printer-driver-cups-pdf ghostscript; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt-get update
	apt-get install -y --no-install-recommends $missing
fi

# cups-pdf writes every job into one known folder, whoever sent it.
mkdir -p "$OUT"
chmod 1777 "$OUT"
conf=/etc/cups/cups-pdf.conf
if [ -f "$conf" ]; then
	sed -i -e '/^[#[:space:]]*Out[[:space:]]/d' -e '/^[#[:space:]]*AnonDirName[[:space:]]/d' "$conf"
	printf 'Out %s\nAnonDirName %s\n' "$OUT" "$OUT" >>"$conf"
fi

if ! lpstat -r 2>/dev/null | grep -q "is running"; then
	/usr/sbin/cupsd
	for _ in $(seq 1 50); do
		lpstat -r 2>/dev/null | grep -q "is running" && break
		sleep 0.2
	done
fi
lpstat -r | grep -q "is running"

if ! lpstat -p PDF >/dev/null 2>&1; then
	ppd="$(lpinfo -m 2>/dev/null | awk '/CUPS-PDF/ {print $1; exit}')"
	lpadmin -p PDF -v cups-pdf:/ ${ppd:+-m "$ppd"} -E
fi
cupsenable PDF
cupsaccept PDF
echo "CUPS is running with the PDF printer; its files go to $OUT"
