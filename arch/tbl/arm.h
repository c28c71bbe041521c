# asm-generic/mman.h, mman-common.h; arch/arm/include/uapi/asm/signal.h
#define MAP_ANONYMOUS	0x20
#define MAP_NORESERVE	0x4000
#define MAP_POPULATE	0x008000
#define MAP_HUGETLB	0x040000
#define SIGCHLD		17
# --- signal --- (Linux 6.12)
# signals: arch/arm/include/uapi/asm/signal.h; include/uapi/asm-generic/signal-defs.h; include/uapi/asm-generic/signal.h
#define SIGILL	4
#define SIGTRAP	5
#define SIGABRT	6
#define SIGBUS	7
#define SIGFPE	8
#define SIGKILL	9
#define SIGUSR1	10
#define SIGSEGV	11
#define SIGUSR2	12
#define SIGPIPE	13
#define SIGALRM	14
#define SIGTERM	15
#define SIGCONT	18
#define SIGSTOP	19
#define SIGSYS	31
#define SA_RESTORER	0x04000000
#define MINSIGSTKSZ	2048
#define SA_SIGINFO	0x00000004
#define SA_ONSTACK	0x08000000
#define SA_RESTART	0x10000000
#define SA_NODEFER	0x40000000
#define SA_RESETHAND	0x80000000
#define SIG_BLOCK	0
#define SIG_UNBLOCK	1
#define SIG_SETMASK	2
#define _NSIG	64
