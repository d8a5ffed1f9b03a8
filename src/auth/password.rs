//! Password hashing: argon2id (19 MiB, 2 passes) on the blocking pool, one hash per core at a time,
//! each using a set of working memory kept in a pool instead of allocating 19 MiB per hash. The
//! pool never holds more sets than hashes run at once, so memory stays bounded (a server that
//! allocated per hash kept 1.4 GB after a burst of sign-ups: the allocator does not give such
//! blocks back) and no hash pays for mapping fresh memory.

use std::sync::{LazyLock, Mutex};

use argon2::password_hash::{self, Ident, Output, ParamsString, PasswordHash, PasswordHasher, PasswordVerifier, Salt, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::{AppError, AppResult};

/// One hash per core at a time: more would not finish sooner (the work is CPU-bound), and each
/// needs its own working memory.
static HASHING: LazyLock<tokio::sync::Semaphore> =
    LazyLock::new(|| tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

static WORKING_MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

fn with_working_memory<T>(blocks: usize, hash: impl FnOnce(&mut [Block]) -> T) -> T {
    let mut memory = WORKING_MEMORY.lock().unwrap_or_else(|p| p.into_inner()).pop().unwrap_or_default();
    memory.resize(blocks, Block::default());
    let result = hash(&mut memory);
    WORKING_MEMORY.lock().unwrap_or_else(|p| p.into_inner()).push(memory);
    result
}

/// Argon2 computed in pooled working memory; produces and checks the usual PHC strings.
#[derive(Default)]
struct PooledArgon2 {
    algorithm: Algorithm,
    version: Version,
    params: Params,
}

impl PasswordHasher for PooledArgon2 {
    type Params = Params;

    fn hash_password<'a>(&self, password: &[u8], salt: impl Into<Salt<'a>>) -> password_hash::Result<PasswordHash<'a>> {
        let salt = salt.into();
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
        let argon2 = Argon2::new(self.algorithm, self.version, self.params.clone());
        let output_len = self.params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let output = Output::init_with(output_len, |out| {
            with_working_memory(self.params.block_count(), |memory| argon2.hash_password_into_with_memory(password, salt_bytes, out, memory))
                .map_err(Into::into)
        })?;
        Ok(PasswordHash {
            algorithm: self.algorithm.ident(),
            version: Some(self.version.into()),
            params: ParamsString::try_from(&self.params)?,
            salt: Some(salt),
            hash: Some(output),
        })
    }

    fn hash_password_customized<'a>(
        &self,
        password: &[u8],
        algorithm: Option<Ident<'a>>,
        version: Option<password_hash::Decimal>,
        params: Params,
        salt: impl Into<Salt<'a>>,
    ) -> password_hash::Result<PasswordHash<'a>> {
        let algorithm = algorithm.map(Algorithm::try_from).transpose()?.unwrap_or_default();
        let version = version.map(Version::try_from).transpose()?.unwrap_or_default();
        PooledArgon2 { algorithm, version, params }.hash_password(password, salt)
    }
}

/// Hashes a new password (for storing).
pub async fn hash(password: String) -> AppResult<String> {
    let _permit = HASHING.acquire().await.map_err(|_| AppError::internal())?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        PooledArgon2::default().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string())
    })
    .await
    .map_err(|_| AppError::internal())?
    .map_err(|err| {
        tracing::error!(%err, "password hashing failed");
        AppError::internal()
    })
}

/// `stored_hash: None` (unknown account) still costs one verification, so timing does not reveal
/// which emails have accounts.
pub async fn verify(password: String, stored_hash: Option<String>) -> AppResult<bool> {
    let _permit = HASHING.acquire().await.map_err(|_| AppError::internal())?;
    static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
        let salt = SaltString::generate(&mut OsRng);
        PooledArgon2::default().hash_password(b"no such account", &salt).map(|h| h.to_string()).unwrap_or_default()
    });
    tokio::task::spawn_blocking(move || {
        let known = stored_hash.is_some();
        let hash_text = stored_hash.unwrap_or_else(|| DUMMY_HASH.clone());
        let Ok(hash) = PasswordHash::new(&hash_text) else { return false };
        PooledArgon2::default().verify_password(password.as_bytes(), &hash).is_ok() && known
    })
    .await
    .map_err(|_| AppError::internal())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_hashes_are_standard_argon2id_both_ways() {
        let salt = SaltString::generate(&mut OsRng);
        let pooled = PooledArgon2::default().hash_password(b"correct horse", &salt).unwrap().to_string();
        let standard = Argon2::default().hash_password(b"correct horse", &salt).unwrap().to_string();
        assert_eq!(pooled, standard);
        assert!(pooled.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let parsed = PasswordHash::new(&standard).unwrap();
        assert!(PooledArgon2::default().verify_password(b"correct horse", &parsed).is_ok());
        assert!(PooledArgon2::default().verify_password(b"wrong horse", &parsed).is_err());
    }
}
