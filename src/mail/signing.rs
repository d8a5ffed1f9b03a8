//! Signed tokens in mail: the reply address of a ticket's customer and the unsubscribe link. The
//! key is made once and kept in PostgreSQL (`app_secrets`), so every node (and `myrelay mail-in`)
//! signs and checks alike with nothing to configure.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgPool;

use crate::error::AppResult;

/// Hex digits of the signature kept in a token: 80 bits, short enough for an address's local part.
const SIGNATURE_HEX: usize = 20;

#[derive(Clone)]
pub struct Signer {
    key: std::sync::Arc<[u8]>,
}

impl Signer {
    /// The shared key, made by whichever node asks first.
    pub async fn load(pool: &PgPool) -> AppResult<Self> {
        let fresh: [u8; 32] = rand::random();
        sqlx::query("INSERT INTO app_secrets (name, value) VALUES ('mail', $1) ON CONFLICT (name) DO NOTHING")
            .bind(&fresh[..])
            .execute(pool)
            .await?;
        let key: Vec<u8> = sqlx::query_scalar("SELECT value FROM app_secrets WHERE name = 'mail'").fetch_one(pool).await?;
        Ok(Self { key: key.into() })
    }

    fn mac(&self, purpose: &str, a: i64, b: i64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        mac.update(format!("{purpose}:{a}:{b}").as_bytes());
        mac
    }

    fn sign(&self, purpose: &str, a: i64, b: i64) -> String {
        hex::encode(self.mac(purpose, a, b).finalize().into_bytes())[..SIGNATURE_HEX].to_owned()
    }

    fn check(&self, purpose: &str, a: i64, b: i64, signature: &str) -> bool {
        let Ok(bytes) = hex::decode(signature) else { return false };
        signature.len() == SIGNATURE_HEX && self.mac(purpose, a, b).verify_truncated_left(&bytes).is_ok()
    }

    /// `<ticket>-<customer>-<signature>`: the part after `+` in a ticket's reply address. Digits
    /// and lowercase letters only: mail systems may change the case of an address.
    pub fn reply_token(&self, ticket_id: i64, customer_id: i64) -> String {
        format!("{ticket_id}-{customer_id}-{}", self.sign("reply", ticket_id, customer_id))
    }

    /// The ticket and customer a reply token names, if it carries their signature.
    pub fn check_reply_token(&self, token: &str) -> Option<(i64, i64)> {
        let mut parts = token.split('-');
        let (ticket, customer, signature) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?);
        (parts.next().is_none() && self.check("reply", ticket, customer, &signature.to_ascii_lowercase())).then_some((ticket, customer))
    }

    /// The signature of a person's unsubscribe link.
    pub fn unsubscribe_signature(&self, user_id: i64) -> String {
        self.sign("unsubscribe", user_id, 0)
    }

    pub fn check_unsubscribe(&self, user_id: i64, signature: &str) -> bool {
        self.check("unsubscribe", user_id, 0, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(key: &[u8]) -> Signer {
        Signer { key: key.into() }
    }

    #[test]
    fn a_reply_token_names_its_ticket_and_customer_and_nothing_else() {
        let signer = signer(b"key one");
        let token = signer.reply_token(42, 7);
        assert_eq!(signer.check_reply_token(&token), Some((42, 7)));
        assert_eq!(signer.check_reply_token(&token.to_ascii_uppercase()), Some((42, 7)), "case changed on the way");
        let forged = token.replacen("42-", "43-", 1);
        assert_eq!(signer.check_reply_token(&forged), None, "another ticket under the same signature");
        assert_eq!(super::tests::signer(b"key two").check_reply_token(&token), None, "another key");
        for broken in ["", "42-7", "42-7-", "42-7-zz", "x-7-0123456789abcdef0123", &format!("{token}-1"), &token[..token.len() - 1]] {
            assert_eq!(signer.check_reply_token(broken), None, "{broken:?}");
        }
    }

    #[test]
    fn an_unsubscribe_signature_is_for_one_person() {
        let signer = signer(b"key");
        let signature = signer.unsubscribe_signature(5);
        assert!(signer.check_unsubscribe(5, &signature));
        assert!(!signer.check_unsubscribe(6, &signature));
        assert!(!signer.check_unsubscribe(5, "0000"));
        assert_ne!(signature, signer.sign("reply", 5, 0), "purposes do not share signatures");
    }
}
