/* ProcessPrng for Wine 8, which lacks it: Go 1.22 and later take their random numbers
   from bcryptprimitives.dll!ProcessPrng and refuse to start without it, so Debian's Wine
   cannot start Go 1.26 programs. This stand-in, on RtlGenRandom (advapi32
   SystemFunction036), goes into the system folder of the throw-away Wine prefix that
   .ci/windows-run makes; it is never shipped: real Windows 8 and later have the function. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG n = length > 0x7fffffff ? 0x7fffffff : (ULONG)length;
        if (!SystemFunction036(data, n)) {
            return FALSE;
        }
        data += n;
        length -= n;
    }
    return TRUE;
}
