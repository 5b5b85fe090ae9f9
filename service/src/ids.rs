//! Fresh identifiers and random bytes from the operating system's CSPRNG
//! (the bottom of the service: it imports nothing of the crate).

/// `N` bytes from the operating system's CSPRNG.
///
/// # Errors
/// The OS error's text when the generator fails.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| RandomError(e.to_string()))?;
    Ok(buf)
}

/// The operating system's random generator failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("random generator: {0}")]
pub struct RandomError(String);

/// A fresh id: `prefix` then 16 random bytes in lower-case hex (128 bits:
/// unguessable and collision-free in practice).
///
/// # Errors
/// [`RandomError`] when the generator fails.
pub fn new_id(prefix: &str) -> Result<String, RandomError> {
    let bytes = random_bytes::<16>()?;
    Ok(format!("{prefix}{}", hex(&bytes)))
}

/// Lower-case hex of `bytes`.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// A short random pause (1 to 4 ms) before a writer that lost a race
/// decides again, so that racing writers spread out.
#[must_use]
pub fn jitter_millis() -> u64 {
    1 + random_bytes::<1>().map_or(0, |b| u64::from(b[0]) % 4)
}
