# arch/mips/include/uapi/asm/mman.h; arch/mips/include/uapi/asm/signal.h
#define MAP_ANONYMOUS	0x0800
#define MAP_NORESERVE	0x0400
#define MAP_POPULATE	0x10000
#define MAP_HUGETLB	0x80000
#define SIGCHLD		18
