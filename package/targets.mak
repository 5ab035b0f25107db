BIN_TARGETS := ucspitlsd ucspitlsc
MAN_TARGETS := doc/ucspitlsd.1 doc/ucspitlsc.1
