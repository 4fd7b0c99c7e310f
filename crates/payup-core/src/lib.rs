//! payup-core: the sans-I/O heart of payup.
pub mod codes;
pub mod secret;
pub use codes::Gateway;
pub use secret::{Secret, mask_card_number};
