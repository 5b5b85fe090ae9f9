//! The key file: its text form, generation, rotation and removal of keys,
//! and writing it with mode 0600 (see the [parent module](super) for the
//! format).

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::ids::{RandomError, hex, random_bytes};

/// One 32-byte secret of the key file; its `Debug` shows nothing.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Secret(pub(super) [u8; 32]);

impl core::fmt::Debug for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    fn random() -> Result<Self, RandomError> {
        random_bytes::<32>().map(Secret)
    }

    fn parse(line: usize, text: &str) -> Result<Self, KeyFileError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| KeyFileError::syntax(line, "a key is 32 bytes in base64url"))?;
        <[u8; 32]>::try_from(bytes.as_slice())
            .map(Secret)
            .map_err(|_| KeyFileError::syntax(line, "a key is 32 bytes in base64url"))
    }

    pub(super) fn text(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }
}

/// The content of a key file: the invitation-link key and the signing
/// keys, the first of which signs. Its `Debug` shows the key ids only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRing {
    pub(super) link: Secret,
    pub(super) signing: Vec<(String, Secret)>,
}

/// A key file that cannot be read, parsed or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// Reading or writing the file failed.
    #[error("key file {path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        error: std::io::Error,
    },
    /// A line is not a key.
    #[error("key file, line {line}: {reason}")]
    Syntax {
        /// The line (from 1).
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The file lacks a `link` or a `sign` line.
    #[error("key file: {0}")]
    Incomplete(&'static str),
    /// `keys remove` of a key that is not there, or of the last one.
    #[error("key file: {0}")]
    Refused(String),
    /// The random generator failed.
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl KeyFileError {
    fn syntax(line: usize, reason: &str) -> Self {
        KeyFileError::Syntax {
            line,
            reason: reason.into(),
        }
    }

    fn io(path: &Path, error: std::io::Error) -> Self {
        KeyFileError::Io {
            path: path.display().to_string(),
            error,
        }
    }
}

fn new_kid() -> Result<String, RandomError> {
    random_bytes::<8>().map(|b| hex(&b))
}

impl KeyRing {
    /// A new ring: a link key and one signing key, from the operating
    /// system's CSPRNG.
    ///
    /// # Errors
    /// [`RandomError`] when the generator fails.
    pub fn generate() -> Result<Self, RandomError> {
        Ok(Self {
            link: Secret::random()?,
            signing: vec![(new_kid()?, Secret::random()?)],
        })
    }

    /// The ids of the signing keys, the one that signs first.
    #[must_use]
    pub fn kids(&self) -> Vec<&str> {
        self.signing.iter().map(|(kid, _)| kid.as_str()).collect()
    }

    /// Adds a new signing key in first place (it signs from the next
    /// start on; the others keep verifying); its id.
    ///
    /// # Errors
    /// [`RandomError`] when the generator fails.
    pub fn rotate(&mut self) -> Result<String, RandomError> {
        let kid = new_kid()?;
        self.signing.insert(0, (kid.clone(), Secret::random()?));
        Ok(kid)
    }

    /// Replaces the invitation-link key: every pending invitation link
    /// stops working (a manager sees the new links).
    ///
    /// # Errors
    /// [`RandomError`] when the generator fails.
    pub fn rotate_link(&mut self) -> Result<(), RandomError> {
        self.link = Secret::random()?;
        Ok(())
    }

    /// Removes signing key `kid`: the tokens it signed are refused from
    /// the next start on.
    ///
    /// # Errors
    /// [`KeyFileError::Refused`] when there is no such key or it is the
    /// only one.
    pub fn remove(&mut self, kid: &str) -> Result<(), KeyFileError> {
        let Some(at) = self.signing.iter().position(|(k, _)| k == kid) else {
            return Err(KeyFileError::Refused(format!("no signing key {kid:?}")));
        };
        if self.signing.len() == 1 {
            return Err(KeyFileError::Refused(format!(
                "{kid:?} is the only signing key (rotate first)"
            )));
        }
        self.signing.remove(at);
        Ok(())
    }

    /// Reads a ring from the key file's text.
    ///
    /// # Errors
    /// [`KeyFileError`] naming the first line that is not a key, or the
    /// missing `link` or `sign` line.
    pub fn parse(text: &str) -> Result<Self, KeyFileError> {
        let mut link = None;
        let mut signing: Vec<(String, Secret)> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let n = n + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["link", key] if link.is_none() => link = Some(Secret::parse(n, key)?),
                ["link", _] => return Err(KeyFileError::syntax(n, "a second `link` line")),
                ["sign", kid, key] => {
                    if kid.is_empty()
                        || kid.len() > 64
                        || !kid
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    {
                        return Err(KeyFileError::syntax(
                            n,
                            "a key id is 1 to 64 letters, digits, '-' or '_'",
                        ));
                    }
                    if signing.iter().any(|(k, _)| k == kid) {
                        return Err(KeyFileError::syntax(n, "a second key with this id"));
                    }
                    signing.push(((*kid).to_string(), Secret::parse(n, key)?));
                }
                _ => {
                    return Err(KeyFileError::syntax(
                        n,
                        "expected `link KEY` or `sign KID KEY`",
                    ));
                }
            }
        }
        let link = link.ok_or(KeyFileError::Incomplete("no `link KEY` line"))?;
        if signing.is_empty() {
            return Err(KeyFileError::Incomplete("no `sign KID KEY` line"));
        }
        Ok(Self { link, signing })
    }

    /// The key file's text.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut out = String::from(
            "# collab-authz-service keys: secret; every replica reads the same file.\n\
             # The first `sign` line signs new tokens, every `sign` line verifies;\n\
             # `link` derives the invitation links. See `collab-authz-service keys --help`.\n",
        );
        out.push_str(&format!("link {}\n", self.link.text()));
        for (kid, secret) in &self.signing {
            out.push_str(&format!("sign {kid} {}\n", secret.text()));
        }
        out
    }

    /// Reads the key file at `path`.
    ///
    /// # Errors
    /// [`KeyFileError`] when it cannot be read or is not a key file.
    pub fn load(path: &Path) -> Result<Self, KeyFileError> {
        let text = std::fs::read_to_string(path).map_err(|e| KeyFileError::io(path, e))?;
        Self::parse(&text)
    }

    /// Reads the key file at `path`, or, when there is none, creates it
    /// with a new ring; `true` when it was created. Two processes starting
    /// at once on a missing file end up with the same keys (the file
    /// appears whole or not at all: written aside, then linked into place,
    /// which fails if another process was first).
    ///
    /// # Errors
    /// [`KeyFileError`] when it cannot be read, created or parsed.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), KeyFileError> {
        match std::fs::read_to_string(path) {
            Ok(text) => return Ok((Self::parse(&text)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(KeyFileError::io(path, e)),
        }
        let ring = Self::generate()?;
        match ring.create(path) {
            Ok(()) => Ok((ring, true)),
            Err(KeyFileError::Io { error, .. })
                if error.kind() == std::io::ErrorKind::AlreadyExists =>
            {
                Ok((Self::load(path)?, false))
            }
            Err(e) => Err(e),
        }
    }

    /// Writes the ring to a new file at `path` (readable by its owner
    /// only).
    ///
    /// # Errors
    /// [`KeyFileError::Io`] when it exists (`AlreadyExists`) or cannot be
    /// written.
    pub fn create(&self, path: &Path) -> Result<(), KeyFileError> {
        let aside = self.write_aside(path)?;
        let linked = std::fs::hard_link(&aside, path);
        let _ = std::fs::remove_file(&aside);
        linked.map_err(|e| KeyFileError::io(path, e))
    }

    /// Replaces the file at `path` with the ring, at once (written aside,
    /// then renamed over it).
    ///
    /// # Errors
    /// [`KeyFileError::Io`] when it cannot be written.
    pub fn replace(&self, path: &Path) -> Result<(), KeyFileError> {
        let aside = self.write_aside(path)?;
        std::fs::rename(&aside, path).map_err(|e| {
            let _ = std::fs::remove_file(&aside);
            KeyFileError::io(path, e)
        })
    }

    fn write_aside(&self, path: &Path) -> Result<std::path::PathBuf, KeyFileError> {
        let suffix = new_kid()?;
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".{suffix}.tmp"));
        let aside = path.with_file_name(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let write = || -> std::io::Result<()> {
            let mut file = options.open(&aside)?;
            file.write_all(self.to_text().as_bytes())?;
            file.sync_all()
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&aside);
            KeyFileError::io(&aside, e)
        })?;
        Ok(aside)
    }
}
