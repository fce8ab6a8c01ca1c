VSWITCH_SRCS += vswitch/vswitch.c vswitch/vswitch_dp.c vswitch/vswitch_fdb.c vswitch/vswitch_parse.c vswitch/vswitch_timer.c
VSWITCH_SRCS += vswitch/vswitch_fdb_ctl.c vswitch/vswitch_guard.c
