# payup_arginfo.h is written by payup-gen (cargo run -p payup-gen) and committed: this explicit rule without
# prerequisites overrides phpize's `%_arginfo.h: %.stub.php` (gen_stub.php, which wants to download PHP-Parser).
$(srcdir)/payup_arginfo.h:
	@:
