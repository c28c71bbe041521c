# asm-generic/mman.h, mman-common.h; arch/s390/include/uapi/asm/signal.h
#define MAP_ANONYMOUS	0x20
#define MAP_NORESERVE	0x4000
#define MAP_POPULATE	0x008000
#define MAP_HUGETLB	0x040000
#define SIGCHLD		17
