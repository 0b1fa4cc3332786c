#!/usr/bin/env bash
# A real mail server for the mailbox tests (data/mailbox): Debian's Dovecot (IMAP, LMTP)
# and Postfix (SMTP submission with authentication) on 127.0.0.1, high ports, with a
# test CA made here. Installs the packages when missing and starts the daemons when they
# are not running (CI has no systemd). Run as root; running it again changes nothing
# but restarts what is down.
#
# Mailboxes (domain ascolto.test, delivered by Postfix through LMTP into Dovecot):
#   office@ascolto.test   the office's mailbox, password "office-secret"
#   citizen@ascolto.test  a citizen's mailbox, password "citizen-secret"
#   refused@ascolto.test  an address Postfix refuses (554) at RCPT
# Ports: IMAP 10143 (STARTTLS) and 10993 (TLS); SMTP 10025 (incoming mail, no login),
# 10587 (submission, STARTTLS + login), 10588 (the same, 20 kB at most) and 10465
# (submission, TLS + login).
# What the tests need is written to $DIR/env (shell syntax): ports, CA file, passwords.
#
# The fault tests stop and start the servers once they run:
#   mailserver.sh stop-imap | start-imap   Dovecot (IMAP, LMTP delivery, SASL for Postfix)
#   mailserver.sh stop-smtp | start-smtp   Postfix (its queue is kept across)
# each returning when the ports are closed or answer again.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
DIR=${ASCOLTO_MAILTEST_DIR:-/var/lib/ascolto-mailtest}
CONF=/etc/postfix-ascolto

answers() { (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; }
wait_open() {
	for port in "$@"; do
		for _ in $(seq 1 100); do answers "$port" && break; sleep 0.1; done
		answers "$port" || { echo "nothing listens on 127.0.0.1:$port" >&2; exit 1; }
	done
}
wait_closed() {
	for port in "$@"; do
		for _ in $(seq 1 100); do answers "$port" || break; sleep 0.1; done
		! answers "$port" || { echo "127.0.0.1:$port still answers" >&2; exit 1; }
	done
}
case "${1:-}" in
stop-imap)
	doveadm -c "$DIR/dovecot.conf" stop >/dev/null 2>&1 || true
	wait_closed 10143 10993
	exit 0 ;;
start-imap)
	doveadm -c "$DIR/dovecot.conf" reload >/dev/null 2>&1 || dovecot -c "$DIR/dovecot.conf" </dev/null >/dev/null 2>&1
	wait_open 10143 10993
	# Postfix's running smtpd processes keep their connection to Dovecot's
	# authentication, now broken (454 "Connection lost to authentication server" at
	# the next login): new ones connect afresh.
	if postfix -c "$CONF" status >/dev/null 2>&1; then
		postfix -c "$CONF" reload </dev/null >/dev/null 2>&1
	fi
	exit 0 ;;
stop-smtp)
	postfix -c "$CONF" stop </dev/null >/dev/null 2>&1 || true
	wait_closed 10025 10587 10588 10465
	exit 0 ;;
start-smtp)
	postfix -c "$CONF" status >/dev/null 2>&1 || postfix -c "$CONF" start </dev/null >/dev/null 2>&1
	wait_open 10025 10587 10588 10465
	exit 0 ;;
"") ;;
*) echo "usage: $0 [stop-imap|start-imap|stop-smtp|start-smtp]" >&2; exit 2 ;;
esac

missing=""
for p in dovecot-imapd dovecot-lmtpd postfix openssl; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt-get update
	apt-get install -y --no-install-recommends $missing
fi

mkdir -p "$DIR" "$DIR/run" "$DIR/mail"
id mailtest >/dev/null 2>&1 || useradd --system --no-create-home --home-dir "$DIR/mail" --shell /usr/sbin/nologin mailtest
chown mailtest:mailtest "$DIR/mail"

# The test CA and the server's certificate (127.0.0.1, localhost, mail.ascolto.test).
if [ ! -f "$DIR/server.crt" ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Ascolto Test Mail CA" \
		-keyout "$DIR/ca.key" -out "$DIR/ca.crt" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=mail.ascolto.test" \
		-keyout "$DIR/server.key" -out "$DIR/server.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:mail.ascolto.test\nextendedKeyUsage=serverAuth\n' >"$DIR/server.ext"
	openssl x509 -req -in "$DIR/server.csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" -CAcreateserial \
		-days 3650 -extfile "$DIR/server.ext" -out "$DIR/server.crt" 2>/dev/null
	chmod 0644 "$DIR/server.crt" "$DIR/ca.crt"
	chmod 0640 "$DIR/server.key"
	chgrp dovecot "$DIR/server.key"
fi

# The daemons are reloaded only when their settings changed: every test process runs
# this script, and a reload drops the logins of the tests already running.
dovecot_before=$(cat "$DIR/dovecot.conf" "$DIR/users" 2>/dev/null | md5sum)
cat >"$DIR/users" <<'EOF'
office@ascolto.test:{PLAIN}office-secret
citizen@ascolto.test:{PLAIN}citizen-secret
EOF
chmod 0640 "$DIR/users"
chgrp dovecot "$DIR/users"

cat >"$DIR/dovecot.conf" <<EOF
base_dir = $DIR/run/dovecot
state_dir = $DIR/run/dovecot-state
instance_name = ascolto-mailtest
protocols = imap lmtp
listen = 127.0.0.1
log_path = $DIR/dovecot.log
ssl = yes
ssl_cert = <$DIR/server.crt
ssl_key = <$DIR/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
mail_uid = mailtest
mail_gid = mailtest
first_valid_uid = 1
# office+NAME@ascolto.test lands in the folder NAME (made on first delivery): each test
# reads its own folder of one shared mailbox.
recipient_delimiter = +
lmtp_save_to_detail_mailbox = yes
lda_mailbox_autocreate = yes
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DIR/users
}
userdb {
  driver = static
  args = uid=mailtest gid=mailtest home=$DIR/mail/%d/%n
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = 10143
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = 10993
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = 10024
  }
}
service auth {
  inet_listener {
    address = 127.0.0.1
    port = 10026
  }
}
protocol lmtp {
  postmaster_address = postmaster@ascolto.test
}
# Tests of several packages run at once, each workstation with its connections (IDLE).
protocol imap {
  mail_max_userip_connections = 100
}
EOF
mkdir -p "$DIR/run/dovecot-state"

dovecot_running() { [ -f "$DIR/run/dovecot/master.pid" ] && kill -0 "$(cat "$DIR/run/dovecot/master.pid")" 2>/dev/null; }
# A Dovecot started or reloaded breaks the running smtpd processes' connection to its
# authentication: Postfix is reloaded then too, so they connect afresh.
auth_new=""
if ! dovecot_running; then
	dovecot -c "$DIR/dovecot.conf" </dev/null >/dev/null 2>&1
	auth_new=yes
elif [ "$(cat "$DIR/dovecot.conf" "$DIR/users" | md5sum)" != "$dovecot_before" ]; then
	doveadm -c "$DIR/dovecot.conf" reload >/dev/null 2>&1
	auth_new=yes
fi

# Postfix: an instance of its own (postmulti: /etc/postfix-ascolto, its own queue), so
# that the machine's own Postfix, if it has one, keeps its settings. It delivers
# ascolto.test to Dovecot and offers submission with Dovecot's authentication; its
# services run without chroot (no init script copies files into one here).
if [ ! -d "$CONF" ]; then
	postmulti -e init
	postmulti -I postfix-ascolto -e create
fi
pc() { postconf -c "$CONF" "$@"; }
postfix_before=$(cat "$CONF/main.cf" "$CONF/master.cf" | md5sum)
pc -e "master_service_disable =" \
	"myhostname = mail.ascolto.test" "mydomain = ascolto.test" "myorigin = ascolto.test" \
	"mydestination =" "inet_interfaces = 127.0.0.1" "inet_protocols = ipv4" \
	"mynetworks = 127.0.0.0/8" "relayhost =" "compatibility_level = 3.6" \
	"virtual_mailbox_domains = ascolto.test" "virtual_transport = lmtp:inet:127.0.0.1:10024" \
	"smtpd_tls_cert_file = $DIR/server.crt" "smtpd_tls_key_file = $DIR/server.key" \
	"smtpd_tls_security_level = may" "smtpd_sasl_type = dovecot" "smtpd_sasl_path = inet:127.0.0.1:10026" \
	"recipient_delimiter = +" \
	"smtpd_recipient_restrictions = check_recipient_access inline:{ refused@ascolto.test=REJECT }" \
	"message_size_limit = 10240000" "maillog_file = $DIR/postfix.log" "smtputf8_enable = no" \
	"alias_maps =" "alias_database ="
pc -F '*/*/chroot = n'
pc -MX smtp/inet 2>/dev/null || true
pc -M "127.0.0.1:10025/inet=127.0.0.1:10025 inet n - n - - smtpd"
for port in 10587 10588 10465; do
	pc -M "127.0.0.1:$port/inet=127.0.0.1:$port inet n - n - - smtpd"
	pc -P "127.0.0.1:$port/inet/smtpd_sasl_auth_enable=yes" \
		"127.0.0.1:$port/inet/smtpd_client_restrictions=permit_sasl_authenticated,reject" \
		"127.0.0.1:$port/inet/smtpd_relay_restrictions=permit_sasl_authenticated,reject"
done
pc -P "127.0.0.1:10587/inet/smtpd_tls_security_level=encrypt" \
	"127.0.0.1:10588/inet/smtpd_tls_security_level=encrypt" \
	"127.0.0.1:10588/inet/message_size_limit=20000" \
	"127.0.0.1:10465/inet/smtpd_tls_wrappermode=yes"
pc -M "postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd"
postmulti -i postfix-ascolto -e enable
if ! postfix -c "$CONF" status >/dev/null 2>&1; then
	postfix -c "$CONF" start </dev/null >/dev/null 2>&1
elif [ -n "$auth_new" ] || [ "$(cat "$CONF/main.cf" "$CONF/master.cf" | md5sum)" != "$postfix_before" ]; then
	postfix -c "$CONF" reload </dev/null >/dev/null 2>&1
fi

# Both servers answer before the tests start.
for port in 10143 10993 10025 10587 10588 10465; do
	for _ in $(seq 1 50); do
		(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
		sleep 0.2
	done
	(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || { echo "nothing listens on 127.0.0.1:$port" >&2; exit 1; }
done

cat >"$DIR/env" <<EOF
MAILTEST_DIR=$DIR
MAILTEST_CA=$DIR/ca.crt
MAILTEST_IMAP_STARTTLS=10143
MAILTEST_IMAP_TLS=10993
MAILTEST_SMTP_IN=10025
MAILTEST_SUBMISSION=10587
MAILTEST_SUBMISSION_SMALL=10588
MAILTEST_SUBMISSIONS=10465
MAILTEST_OFFICE=office@ascolto.test
MAILTEST_OFFICE_PASSWORD=office-secret
MAILTEST_CITIZEN=citizen@ascolto.test
MAILTEST_CITIZEN_PASSWORD=citizen-secret
EOF
echo "Dovecot and Postfix are running on 127.0.0.1; settings in $DIR/env"
