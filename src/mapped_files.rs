//! Surviving a mapped file cut short under keyhound.
//!
//! gix maps git's pack data and index files into memory (it has no option
//! not to). When another process truncates one while keyhound reads it —
//! a `git gc` gone wrong, a disk filling, someone hostile on the same
//! machine — touching a mapped page past the new end raises SIGBUS, which
//! kills the process with nothing reported (git itself dies the same way).
//!
//! [`guard`] installs a SIGBUS handler that, for exactly that fault (code
//! `BUS_ADRERR`: a page of a file mapping with no file behind it), maps a
//! page of zeros over the faulting page and lets the read go on. The pack
//! entry read there no longer inflates or no longer matches its checksum,
//! so gix returns an error, keyhound warns about that object and goes on,
//! and the findings read before and after are reported. [`zeroed_pages`]
//! says whether it happened, so the scan can warn once more about why.
//! Any other SIGBUS (a hardware memory error) keeps its default action.
//!
//! Hand-written with `libc` rather than a signal crate: the handler must do
//! its work inside the signal (remap, count, return) instead of deferring
//! it to a thread as `signal-hook` and `ctrlc` do, since the faulting read
//! would otherwise fault again for ever.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

/// The page size, read once before the handler may need it (`sysconf` is
/// not async-signal-safe).
static PAGE: AtomicUsize = AtomicUsize::new(0);

/// Pages mapped as zeros so far.
static ZEROED: AtomicUsize = AtomicUsize::new(0);

/// Installs the handler, once per process.
pub fn guard() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        PAGE.store(usize::try_from(page).unwrap_or(4096), Ordering::SeqCst);
        // SAFETY: a zeroed sigaction is a valid starting point; the handler
        // has the SA_SIGINFO signature and only makes async-signal-safe
        // calls (mmap, signal) and atomic updates.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
        }
    });
}

/// How many pages of mapped files were read as zeros because their file
/// had been cut short.
pub fn zeroed_pages() -> usize {
    ZEROED.load(Ordering::SeqCst)
}

extern "C" fn on_sigbus(_signal: libc::c_int, info: *mut libc::siginfo_t, _context: *mut libc::c_void) {
    let page = PAGE.load(Ordering::Relaxed);
    // SAFETY: the kernel passes a valid siginfo for an SA_SIGINFO handler;
    // mapping over the faulting page replaces only that page, which belongs
    // to a file mapping (BUS_ADRERR), with private zeros, read-only as gix
    // maps it.
    unsafe {
        if !info.is_null() && (*info).si_code == libc::BUS_ADRERR && page > 0 {
            let at = ((*info).si_addr() as usize) & !(page - 1);
            let mapped = libc::mmap(
                at as *mut libc::c_void,
                page,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            );
            if mapped != libc::MAP_FAILED {
                ZEROED.fetch_add(1, Ordering::SeqCst);
                return;
            }
        }
        // Not ours to mend: the default action, when the read runs again.
        libc::signal(libc::SIGBUS, libc::SIG_DFL);
    }
}
