//! Address-space management (see issue 3; being written).

mod page;

pub(crate) use page::auxv_lookup;
pub use page::{init_page_size_from_auxv, page_size, set_page_size, AT_PAGESZ};
