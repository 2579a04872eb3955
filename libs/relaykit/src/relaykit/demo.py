"""Who the demo is: the all-in-one mode's demo token acts as this employee, whom the
tickets service's demo directory creates (an administrator, "Alex Admin")."""

DEMO_ADMIN_ID = "00000000-0000-4000-8000-00000000a001"
# The demo specialist ("Sam Specialist"), whom the web UI's demo lets sign in too.
DEMO_SPECIALIST_ID = "00000000-0000-4000-8000-00000000a003"
