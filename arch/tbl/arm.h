# asm-generic/mman.h, mman-common.h; asm-generic/errno.h; arch/arm/include/uapi/asm/signal.h
#define MAP_ANONYMOUS	0x20
#define MAP_NORESERVE	0x4000
#define MAP_POPULATE	0x008000
#define MAP_HUGETLB	0x040000
#define EDEADLK	35
#define ENAMETOOLONG	36
#define ENOLCK	37
#define ENOSYS	38
#define ENOTEMPTY	39
#define ELOOP	40
#define EOVERFLOW	75
#define EOPNOTSUPP	95
#define ECANCELED	125
#define SIGCHLD		17
