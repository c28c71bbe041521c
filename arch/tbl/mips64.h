# arch/mips/include/uapi/asm/mman.h; arch/mips/include/uapi/asm/signal.h
#define MAP_ANONYMOUS	0x0800
#define MAP_NORESERVE	0x0400
#define MAP_POPULATE	0x10000
#define MAP_HUGETLB	0x80000
#define SIGCHLD		18
# --- signal --- (Linux 6.12)
# signals: arch/mips/include/uapi/asm/signal.h; include/uapi/asm-generic/signal.h
#define SIGILL	4
#define SIGTRAP	5
#define SIGBUS	10
#define SIGFPE	8
#define SIGKILL	9
#define SIGUSR1	16
#define SIGSEGV	11
#define SIGUSR2	17
#define SIGPIPE	13
#define SIGALRM	14
#define SIGTERM	15
#define SIGCONT	25
#define SIGSTOP	23
#define SIGSYS	12
#define SA_SIGINFO	0x00000008
#define SA_ONSTACK	0x08000000
#define SA_RESTART	0x10000000
#define SA_NODEFER	0x40000000
#define SA_RESETHAND	0x80000000
#define MINSIGSTKSZ	2048
#define _NSIG	128
#define SIG_BLOCK	1
#define SIG_UNBLOCK	2
#define SIG_SETMASK	3
#define SIGABRT	6	/* SIGIOT in the mips header */
