# arch/powerpc/include/uapi/asm/mman.h (+ mman-common.h); arch/powerpc/include/uapi/asm/signal.h
#define MAP_ANONYMOUS	0x20
#define MAP_NORESERVE	0x40
#define MAP_POPULATE	0x8000
#define MAP_HUGETLB	0x40000
#define SIGCHLD		17
