//! A cache hint for kernels that read memory in an order the hardware
//! prefetcher cannot guess (rows of a node, far apart): asking for an
//! element some iterations ahead turns one miss's wait per row into
//! overlapping fetches.

/// Asks the core to bring `data[at]` toward the core (into L2 and up),
/// without waiting. Does nothing off x86-64, or when `at` is past the end.
#[inline(always)]
pub(crate) fn prefetch<T>(data: &[T], at: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T1};
        let p = data.as_ptr().wrapping_add(at) as *const i8;
        // SAFETY: a prefetch is a hint: it never faults and changes no
        // state the program can see, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T1>(p) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (data, at);
}
