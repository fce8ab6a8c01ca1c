# NIC teaming: the team state machines (pure) and its port backend
TEAM_SRCS := teaming/team.c teaming/team_lacp.c teaming/team_macs.c \
	     teaming/team_port.c
