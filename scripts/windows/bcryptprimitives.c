/*
 * bcryptprimitives.dll for Wine 8, which lacks it: Rust's standard library (1.78+) imports
 * ProcessPrng from it for every random number it needs (HashMap seeds among them), so no
 * Rust program starts under Debian's Wine without it. Used only to run the Windows tests here
 * (scripts/windows/wine-runner builds it); never shipped: Windows 10 and later have the real
 * one.
 *
 * ProcessPrng fills the buffer from RtlGenRandom (SystemFunction036 in advapi32, which Wine
 * implements over the host's random source). RtlGenRandom takes a ULONG length, so larger
 * requests go in slices. Like the real ProcessPrng it always returns TRUE.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk)) {
            /* The real ProcessPrng cannot fail; neither may this one return garbage. */
            ExitProcess(0xC0000001);
        }
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
