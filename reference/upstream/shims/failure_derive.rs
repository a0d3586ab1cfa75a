//! Stand-in for `failure_derive`: `#[derive(Fail)]` accepts the
//! `#[fail(...)]` attributes and implements `failure::Fail` (no Display
//! text is needed by the memory module).
extern crate proc_macro;
use proc_macro::{TokenStream, TokenTree};

#[proc_macro_derive(Fail, attributes(fail))]
pub fn derive_fail(input: TokenStream) -> TokenStream {
    let mut name = None;
    let mut after_kw = false;
    for tt in input {
        if let TokenTree::Ident(i) = &tt {
            let s = i.to_string();
            if after_kw {
                name = Some(s);
                break;
            }
            after_kw = s == "enum" || s == "struct";
        }
    }
    match name {
        Some(n) => format!("impl ::failure::Fail for {} {{}}", n).parse().unwrap(),
        None => TokenStream::new(),
    }
}
