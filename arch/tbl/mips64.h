# arch/mips/include/uapi/asm/mman.h; arch/mips/include/uapi/asm/errno.h; arch/mips/include/uapi/asm/signal.h
#define MAP_ANONYMOUS	0x0800
#define MAP_NORESERVE	0x0400
#define MAP_POPULATE	0x10000
#define MAP_HUGETLB	0x80000
#define EDEADLK	45
#define ENAMETOOLONG	78
#define ENOLCK	46
#define ENOSYS	89
#define ENOTEMPTY	93
#define ELOOP	90
#define EOVERFLOW	79
#define EOPNOTSUPP	122
#define ECANCELED	158
#define SIGCHLD		18
