//! (to be written)
use super::Ctx;
pub fn run(_ctx: &mut Ctx) {}
