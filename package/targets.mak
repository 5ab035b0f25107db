BIN_TARGETS := ucspitlsd ucspitlsc starttls-smtpd
MAN_TARGETS := doc/ucspitlsd.1 doc/ucspitlsc.1 doc/starttls-smtpd.1
BIN_TARGETS += starttls-pop3d
MAN_TARGETS += doc/starttls-pop3d.1
BIN_TARGETS += starttls-imapd
MAN_TARGETS += doc/starttls-imapd.1
